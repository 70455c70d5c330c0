using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
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
    public async Task AppContexts_EveryOpen_KeepStatementJournalsInMemory()
    {
        var factory = app.Services.GetRequiredService<IDbContextFactory<CommunityDbContext>>();

        // Several opens in a row and at once: a connection new to the pool and ones it hands out again alike.
        var stores = await Task.WhenAll(Enumerable.Range(0, 6).Select(async _ =>
        {
            await using var db = await factory.CreateDbContextAsync();
            await db.Database.OpenConnectionAsync();
            return await db.Database.SqlQueryRaw<long>("SELECT temp_store AS Value FROM pragma_temp_store").SingleAsync();
        }));
        await using var again = await factory.CreateDbContextAsync();
        await again.Database.OpenConnectionAsync();
        var reused = await again.Database.SqlQueryRaw<long>("SELECT temp_store AS Value FROM pragma_temp_store").SingleAsync();

        Assert.All(stores, store => Assert.Equal(2, store)); // 2 = MEMORY; SQLite's default 0 spills to files
        Assert.Equal(2, reused);
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
