using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using SupportCommunity.Data;

namespace SupportCommunity.Web.Tests.Integration.Data;

public sealed class SqliteDatabaseTests(CommunityAppFactory app) : IClassFixture<CommunityAppFactory>
{
    [Fact]
    public async Task AppStart_SqliteFile_IsInWalJournalMode()
    {
        _ = app.Server; // starts the app, which migrates and seeds its database

        await using var connection = new SqliteConnection($"Data Source={app.DatabasePath};Pooling=False");
        await connection.OpenAsync();
        await using var command = connection.CreateCommand();
        command.CommandText = "PRAGMA journal_mode;";

        Assert.Equal("wal", (string?)await command.ExecuteScalarAsync());
    }

    [Fact]
    public async Task Migrate_FreshSqliteFile_CreatesTheSchemaWithNothingPending()
    {
        var path = Path.Combine(app.Folder, $"fresh-{Guid.NewGuid():N}.db");
        await using var db = new CommunityDbContext(new DbContextOptionsBuilder<CommunityDbContext>()
            .UseSqlite($"Data Source={path};Pooling=False", sqlite => sqlite.MigrationsAssembly("SupportCommunity.Migrations.Sqlite"))
            .Options);

        await db.Database.MigrateAsync();

        Assert.Empty(await db.Database.GetPendingMigrationsAsync());
        Assert.Equal(db.Database.GetMigrations(), await db.Database.GetAppliedMigrationsAsync());
        Assert.Empty(await db.Messages.ToListAsync());
        Assert.Empty(await db.Rooms.ToListAsync());
        var uniqueIndexes = await db.Database
            .SqlQueryRaw<string>("SELECT name AS Value FROM pragma_index_list('Messages') WHERE \"unique\" = 1")
            .ToListAsync();
        Assert.Contains("IX_Messages_RoomId_Sequence", uniqueIndexes);
        Assert.Contains("IX_Messages_AuthorId_ClientMessageId", uniqueIndexes);
    }
}
