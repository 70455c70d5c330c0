using System.Diagnostics;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using SupportCommunity.Benchmarks.Hosting;
using SupportCommunity.Data;

namespace SupportCommunity.Benchmarks.Scenarios;

/// <summary>
/// A database with one room of N messages, in the app's own schema. Built once (the app migrates and seeds a file,
/// then raw batched inserts fill the room) and kept in the cache folder; its name carries N and a hash of the app's
/// migrations, so a schema change builds a new one instead of measuring a stale file.
/// </summary>
public static class HistoryFixture
{
    public const string Room = "archive";

    public static async Task<string> EnsureAsync(ScenarioContext context, int messages, CancellationToken cancellationToken)
    {
        // Smoke fixtures are tiny and built per run, so CI never writes into a home cache.
        var folder = context.Options.Smoke ? context.NewFolder("history-fixture") : context.Options.CacheFolder;
        Directory.CreateDirectory(folder);
        var path = Path.Combine(folder, string.Create(CultureInfo.InvariantCulture, $"history-{messages}-{SchemaKey()}.db"));
        if (File.Exists(path))
        {
            context.Log($"fixture: reusing {path}");
            return path;
        }

        context.Log($"fixture: building {messages:#,0} messages into {path} (once; later runs reuse it)");
        var clock = Stopwatch.StartNew();
        var building = Path.Combine(folder, "building-" + Guid.NewGuid().ToString("N")[..8]);
        try
        {
            // The app itself creates the schema and the demo accounts, exactly as in production.
            await using (AppNode.Start(building))
            {
            }

            var database = Path.Combine(building, "community.db");
            Fill(database, messages, cancellationToken);
            SqliteConnection.ClearAllPools();
            File.Move(database, path);
        }
        finally
        {
            SqliteConnection.ClearAllPools();
            Directory.Delete(building, recursive: true);
        }

        context.Log($"fixture: built in {clock.Elapsed.TotalSeconds:0} s, {new FileInfo(path).Length / 1024.0 / 1024.0:0} MiB");
        return path;
    }

    /// <summary>A short hash of the app's migration ids.</summary>
    private static string SchemaKey()
    {
        var options = new DbContextOptionsBuilder<CommunityDbContext>()
            .UseSqlite("Data Source=:memory:", sqlite => sqlite.MigrationsAssembly("SupportCommunity.Migrations.Sqlite"))
            .Options;
        using var db = new CommunityDbContext(options);
        var ids = string.Join("\n", db.Database.GetMigrations());
        return Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(ids)))[..10];
    }

    private static void Fill(string database, int messages, CancellationToken cancellationToken)
    {
        using var connection = new SqliteConnection($"Data Source={database};Pooling=False");
        connection.Open();
        // Building only: no journal and no fsync. The file is checkpointed and switched to WAL at the end.
        Execute(connection, "PRAGMA journal_mode=OFF; PRAGMA synchronous=OFF; PRAGMA cache_size=-262144;");

        var authors = ReadAuthors(connection);
        var created = new DateTimeOffset(2024, 1, 1, 0, 0, 0, TimeSpan.Zero);
        long roomId;
        using (var room = connection.CreateCommand())
        {
            // Kind and SummaryOptOut have no default on SQLite: the migration that added them rebuilt the table.
            room.CommandText = """
                INSERT INTO "Rooms" ("Slug", "Name", "Topic", "Kind", "SummaryOptOut", "SortOrder", "LastSequence", "Revision", "CreatedAt")
                VALUES ($slug, 'Archive', 'A long-lived room for the history benchmark.', $kind, 0, 99, $count, $count, $createdAt)
                RETURNING "Id";
                """;
            room.Parameters.AddWithValue("$slug", Room);
            room.Parameters.AddWithValue("$kind", (int)SupportCommunity.Rooms.RoomKind.Public);
            room.Parameters.AddWithValue("$count", (long)messages);
            room.Parameters.AddWithValue("$createdAt", created);
            roomId = (long)(room.ExecuteScalar() ?? throw new InvalidOperationException("The room was not created."));
        }

        using var command = connection.CreateCommand();
        command.CommandText = """
            INSERT INTO "Messages" ("RoomId", "Sequence", "Revision", "CreatedRevision", "ClientMessageId", "AuthorId",
                "AuthorName", "AuthorRole", "Body", "ReplyToSequence", "ReplyCount", "HelpedPrivately", "CreatedAt", "EditedAt", "DeletedAt", "DeletedById")
            VALUES ($room, $sequence, $sequence, $sequence, $clientId, $author, $name, $role, $body, NULL, 0, 0, $createdAt, NULL, NULL, NULL);
            """;
        command.Parameters.AddWithValue("$room", roomId);
        var sequence = command.Parameters.AddWithValue("$sequence", 0L);
        var clientId = command.Parameters.AddWithValue("$clientId", "");
        var author = command.Parameters.AddWithValue("$author", "");
        var name = command.Parameters.AddWithValue("$name", "");
        var role = command.Parameters.AddWithValue("$role", "");
        var body = command.Parameters.AddWithValue("$body", "");
        var createdAt = command.Parameters.AddWithValue("$createdAt", created);
        command.Prepare();

        // Deterministic content: the same fixture on every machine.
        var random = new Random(20261126);
        const string words = "sync paused resume settings update invoice plan folder shared laptop thanks help account storage desktop macOS ";
        var text = string.Concat(Enumerable.Repeat(words, 4));
        Span<byte> guid = stackalloc byte[16];
        for (var start = 1; start <= messages; start += 10_000)
        {
            cancellationToken.ThrowIfCancellationRequested();
            using var transaction = connection.BeginTransaction();
            command.Transaction = transaction;
            for (var n = start; n < start + 10_000 && n <= messages; n++)
            {
                var who = authors[n % authors.Count];
                var offset = random.Next(words.Length);
                var length = random.Next(20, 240);
                sequence.Value = (long)n;
                random.NextBytes(guid);
                // EF Core stores a Guid as upper-case text.
                clientId.Value = new Guid(guid).ToString().ToUpperInvariant();
                author.Value = who.Id;
                name.Value = who.Name;
                role.Value = who.Role;
                body.Value = text.Substring(offset, length);
                createdAt.Value = created.AddSeconds(n);
                command.ExecuteNonQuery();
            }

            transaction.Commit();
        }

        Execute(connection, "PRAGMA journal_mode=WAL;");
    }

    private static List<(string Id, string Name, string Role)> ReadAuthors(SqliteConnection connection)
    {
        using var command = connection.CreateCommand();
        command.CommandText = """SELECT "Id", "DisplayName" FROM "AspNetUsers" ORDER BY "Email";""";
        using var reader = command.ExecuteReader();
        var authors = new List<(string, string, string)>();
        while (reader.Read())
        {
            authors.Add((reader.GetString(0), reader.GetString(1), authors.Count % 3 == 0 ? "CommunityManager" : "Customer"));
        }

        return authors.Count > 0 ? authors : throw new InvalidOperationException("The app seeded no accounts to author the fixture.");
    }

    private static void Execute(SqliteConnection connection, string sql)
    {
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        command.ExecuteNonQuery();
    }
}
