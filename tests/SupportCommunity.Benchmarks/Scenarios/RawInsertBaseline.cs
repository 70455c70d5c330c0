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
    /// <summary>Inserts for <paramref name="duration"/>; returns rows per second.</summary>
    public static double Run(string databasePath, SqlitePragmas pragmas, int batch, TimeSpan duration, string body)
    {
        using var insert = new RawMessageInsert(databasePath, pragmas);
        var rows = 0L;
        var clock = Stopwatch.StartNew();
        while (clock.Elapsed < duration)
        {
            using var transaction = insert.Connection.BeginTransaction();
            for (var i = 0; i < batch; i++)
            {
                insert.Execute(transaction, Guid.NewGuid(), body);
            }

            transaction.Commit();
            rows += batch;
        }

        return rows / clock.Elapsed.TotalSeconds;
    }
}

/// <summary>
/// One connection with the app's pragmas and a prepared INSERT of a message row into the first room, as its first
/// user: what the raw baselines run, with nothing of the app in between.
/// </summary>
public sealed class RawMessageInsert : IDisposable
{
    private const string Insert = """
        INSERT INTO "Messages" ("AuthorId", "AuthorName", "AuthorRole", "Body", "ClientMessageId", "CreatedAt",
            "CreatedRevision", "DeletedAt", "DeletedById", "EditedAt", "ReplyToSequence", "Revision", "RoomId", "Sequence")
        VALUES ($author, $name, $role, $body, $clientId, $createdAt, $revision, NULL, NULL, NULL, NULL, $revision, $room, $sequence);
        """;

    private readonly SqliteCommand _command;
    private readonly SqliteParameter _body;
    private readonly SqliteParameter _clientId;
    private readonly SqliteParameter _createdAt;
    private readonly SqliteParameter _revision;
    private readonly SqliteParameter _sequence;
    private long _lastSequence;

    public RawMessageInsert(string databasePath, SqlitePragmas pragmas)
    {
        Connection = new SqliteConnection($"Data Source={databasePath};Pooling=False");
        Connection.Open();
        pragmas.ApplyTo(Connection);

        var (roomId, authorId, lastSequence) = Start(Connection);
        _lastSequence = lastSequence;
        _command = Connection.CreateCommand();
        _command.CommandText = Insert;
        _command.Parameters.AddWithValue("$author", authorId);
        _command.Parameters.AddWithValue("$name", "Maya Chen");
        _command.Parameters.AddWithValue("$role", "CommunityManager");
        _body = _command.Parameters.AddWithValue("$body", "");
        _clientId = _command.Parameters.AddWithValue("$clientId", "");
        _createdAt = _command.Parameters.AddWithValue("$createdAt", DateTimeOffset.UtcNow);
        _revision = _command.Parameters.AddWithValue("$revision", 0L);
        _command.Parameters.AddWithValue("$room", roomId);
        _sequence = _command.Parameters.AddWithValue("$sequence", 0L);
        _command.Prepare();
    }

    public SqliteConnection Connection { get; }

    /// <summary>A copy of the app's database for a baseline to write into: the same tables, indexes and rows.</summary>
    public static void CopyDatabase(string connectionString, string target)
    {
        using var connection = new SqliteConnection(connectionString);
        connection.Open();
        using var command = connection.CreateCommand();
        command.CommandText = "VACUUM INTO $target;";
        command.Parameters.AddWithValue("$target", target);
        command.ExecuteNonQuery();
    }

    /// <summary>Inserts the next message of the room; returns its sequence.</summary>
    public long Execute(SqliteTransaction transaction, Guid clientMessageId, string body)
    {
        var sequence = ++_lastSequence;
        _command.Transaction = transaction;
        // EF Core stores a Guid as upper-case text; bind the same bytes the app would write.
        _clientId.Value = clientMessageId.ToString().ToUpperInvariant();
        _body.Value = body;
        _createdAt.Value = DateTimeOffset.UtcNow;
        _revision.Value = sequence;
        _sequence.Value = sequence;
        _command.ExecuteNonQuery();
        return sequence;
    }

    public void Dispose()
    {
        _command.Dispose();
        Connection.Dispose();
    }

    private static (long RoomId, string AuthorId, long LastSequence) Start(SqliteConnection connection)
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
