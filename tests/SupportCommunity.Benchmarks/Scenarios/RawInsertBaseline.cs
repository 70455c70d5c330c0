using System.Diagnostics;
using Microsoft.Data.Sqlite;
using SupportCommunity.Benchmarks.Hosting;

namespace SupportCommunity.Benchmarks.Scenarios;

/// <summary>
/// The floor under a durable send: plain Microsoft.Data.Sqlite INSERTs of a message row (all columns the app writes)
/// into a copy of the app's database (same table, same indexes) with the app's pragmas, one connection, a prepared
/// statement, and <c>batch</c> rows per transaction.
/// </summary>
public static class RawInsertBaseline
{
    private const string Insert = """
        INSERT INTO "Messages" ("AuthorId", "AuthorName", "AuthorRole", "Body", "ClientMessageId", "CreatedAt",
            "CreatedRevision", "DeletedAt", "DeletedById", "EditedAt", "ReplyToSequence", "Revision", "RoomId", "Sequence")
        VALUES ($author, $name, $role, $body, $clientId, $createdAt, $revision, NULL, NULL, NULL, NULL, $revision, $room, $sequence);
        """;

    /// <summary>Inserts for <paramref name="duration"/>; returns rows per second.</summary>
    public static double Run(string databasePath, SqlitePragmas pragmas, int batch, TimeSpan duration, string body)
    {
        using var connection = new SqliteConnection($"Data Source={databasePath};Pooling=False");
        connection.Open();
        pragmas.ApplyTo(connection);

        var (roomId, authorId, sequence) = Start(connection);
        using var command = connection.CreateCommand();
        command.CommandText = Insert;
        var author = command.Parameters.AddWithValue("$author", authorId);
        command.Parameters.AddWithValue("$name", "Maya Chen");
        command.Parameters.AddWithValue("$role", "CommunityManager");
        command.Parameters.AddWithValue("$body", body);
        var clientId = command.Parameters.AddWithValue("$clientId", "");
        var createdAt = command.Parameters.AddWithValue("$createdAt", DateTimeOffset.UtcNow);
        var revision = command.Parameters.AddWithValue("$revision", 0L);
        command.Parameters.AddWithValue("$room", roomId);
        var sequenceParameter = command.Parameters.AddWithValue("$sequence", 0L);
        command.Prepare();

        var rows = 0L;
        var clock = Stopwatch.StartNew();
        while (clock.Elapsed < duration)
        {
            using var transaction = connection.BeginTransaction();
            command.Transaction = transaction;
            for (var i = 0; i < batch; i++)
            {
                sequence++;
                // EF Core stores a Guid as upper-case text; bind the same bytes the app would write.
                clientId.Value = Guid.NewGuid().ToString().ToUpperInvariant();
                createdAt.Value = DateTimeOffset.UtcNow;
                revision.Value = sequence;
                sequenceParameter.Value = sequence;
                author.Value = authorId;
                command.ExecuteNonQuery();
            }

            transaction.Commit();
            rows += batch;
        }

        return rows / clock.Elapsed.TotalSeconds;
    }

    private static (long RoomId, string AuthorId, long NextSequence) Start(SqliteConnection connection)
    {
        using var command = connection.CreateCommand();
        command.CommandText = """
            SELECT r."Id", (SELECT "Id" FROM "AspNetUsers" ORDER BY "Id" LIMIT 1),
                   COALESCE((SELECT MAX("Sequence") FROM "Messages" WHERE "RoomId" = r."Id"), 0)
            FROM "Rooms" r ORDER BY r."Id" LIMIT 1;
            """;
        using var reader = command.ExecuteReader();
        if (!reader.Read())
        {
            throw new InvalidOperationException("The copied database has no room to insert into.");
        }

        return (reader.GetInt64(0), reader.GetString(1), reader.GetInt64(2));
    }
}
