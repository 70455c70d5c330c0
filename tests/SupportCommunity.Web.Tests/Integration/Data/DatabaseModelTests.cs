using Microsoft.EntityFrameworkCore;
using SupportCommunity.Data;

namespace SupportCommunity.Web.Tests.Integration.Data;

/// <summary>The model and the migrations of both providers agree. SQL Server is checked by script, without a server.</summary>
public sealed class DatabaseModelTests
{
    [Fact]
    public void GenerateCreateScript_SqlServer_HasMessagesTableAndUniqueRoomSequenceIndex()
    {
        using var db = SqlServerContext();

        var script = db.Database.GenerateCreateScript();

        Assert.Contains("CREATE TABLE [Messages]", script, StringComparison.Ordinal);
        Assert.Contains("CREATE UNIQUE INDEX [IX_Messages_RoomId_Sequence] ON [Messages] ([RoomId], [Sequence]);", script, StringComparison.Ordinal);
        Assert.Contains("CREATE UNIQUE INDEX [IX_Messages_AuthorId_ClientMessageId] ON [Messages] ([AuthorId], [ClientMessageId]);", script, StringComparison.Ordinal);
    }

    [Fact]
    public void HasPendingModelChanges_SqlServer_IsFalse()
    {
        using var db = SqlServerContext();

        Assert.False(db.Database.HasPendingModelChanges(), "The model changed without a SQL Server migration.");
    }

    [Fact]
    public void HasPendingModelChanges_Sqlite_IsFalse()
    {
        using var db = new CommunityDbContext(new DbContextOptionsBuilder<CommunityDbContext>()
            .UseSqlite("Data Source=:memory:", sqlite => sqlite.MigrationsAssembly("SupportCommunity.Migrations.Sqlite"))
            .Options);

        Assert.False(db.Database.HasPendingModelChanges(), "The model changed without a SQLite migration.");
    }

    [Fact]
    public void GetMigrations_BothProviders_HaveTheSameMigrationNames()
    {
        using var sqlServer = SqlServerContext();
        using var sqlite = new CommunityDbContext(new DbContextOptionsBuilder<CommunityDbContext>()
            .UseSqlite("Data Source=:memory:", s => s.MigrationsAssembly("SupportCommunity.Migrations.Sqlite"))
            .Options);

        static IEnumerable<string> Names(CommunityDbContext db) => db.Database.GetMigrations().Select(m => m[(m.IndexOf('_', StringComparison.Ordinal) + 1)..]);

        Assert.NotEmpty(sqlite.Database.GetMigrations());
        Assert.Equal(Names(sqlite), Names(sqlServer));
    }

    private static CommunityDbContext SqlServerContext() =>
        new(new DbContextOptionsBuilder<CommunityDbContext>()
            .UseSqlServer("Server=none", sql => sql.MigrationsAssembly("SupportCommunity.Migrations.SqlServer"))
            .Options);
}
