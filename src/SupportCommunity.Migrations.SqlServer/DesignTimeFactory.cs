using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Design;
using SupportCommunity.Data;

namespace SupportCommunity.Migrations.SqlServer;

/// <summary>Lets <c>dotnet ef migrations add</c> build the model for SQL Server without a server.</summary>
public sealed class DesignTimeFactory : IDesignTimeDbContextFactory<CommunityDbContext>
{
    public CommunityDbContext CreateDbContext(string[] args) =>
        new(new DbContextOptionsBuilder<CommunityDbContext>()
            .UseSqlServer("Server=none", sql => sql.MigrationsAssembly(typeof(DesignTimeFactory).Assembly.GetName().Name))
            .Options);
}
