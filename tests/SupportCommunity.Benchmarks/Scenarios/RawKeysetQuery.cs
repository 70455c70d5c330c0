using Microsoft.Data.Sqlite;
using SupportCommunity.Benchmarks.Measurement;
using SupportCommunity.Messages;

namespace SupportCommunity.Benchmarks.Scenarios;

/// <summary>
/// The app's captured keyset query, run through plain ADO.NET: a pooled connection per page (as the app opens one per
/// request), the same parameters with only <c>before</c> changed, rows read into the same <see cref="MessageDto"/>.
/// </summary>
public sealed class RawKeysetQuery(string connectionString, CapturedCommand query, long capturedBefore, int pageSize)
{
    public IReadOnlyList<MessageDto> Read(long before)
    {
        using var connection = new SqliteConnection(connectionString);
        connection.Open();
        using var command = Command(connection, before);
        using var reader = command.ExecuteReader();
        var id = reader.GetOrdinal("Id");
        var sequence = reader.GetOrdinal("Sequence");
        var revision = reader.GetOrdinal("Revision");
        var clientId = reader.GetOrdinal("ClientMessageId");
        var author = reader.GetOrdinal("AuthorId");
        var name = reader.GetOrdinal("AuthorName");
        var role = reader.GetOrdinal("AuthorRole");
        var body = reader.GetOrdinal("Body");
        var replyTo = reader.GetOrdinal("ReplyToSequence");
        var created = reader.GetOrdinal("CreatedAt");
        var edited = reader.GetOrdinal("EditedAt");
        var deleted = reader.GetOrdinal("DeletedAt");
        var replies = reader.GetOrdinal("ReplyCount");
        var helped = reader.GetOrdinal("HelpedPrivately");
        var rows = new List<MessageDto>(64);
        while (reader.Read())
        {
            var isDeleted = !reader.IsDBNull(deleted);
            rows.Add(new MessageDto(
                reader.GetInt64(id), HistoryFixture.Room, reader.GetInt64(sequence), reader.GetInt64(revision), reader.GetGuid(clientId),
                reader.GetString(author), reader.GetString(name), reader.GetString(role), isDeleted ? null : reader.GetString(body),
                reader.IsDBNull(replyTo) ? null : reader.GetInt64(replyTo), reader.GetDateTimeOffset(created),
                reader.IsDBNull(edited) ? null : reader.GetDateTimeOffset(edited), isDeleted, reader.GetInt32(replies), reader.GetBoolean(helped)));
        }

        // The app asks for one row more than the page to learn whether older ones exist; so does this.
        return [.. rows.Take(pageSize).Reverse()];
    }

    /// <summary>SQLite's EXPLAIN QUERY PLAN for the app's query, one line per step.</summary>
    public IReadOnlyList<string> ExplainPlan()
    {
        using var connection = new SqliteConnection(connectionString);
        connection.Open();
        using var command = Command(connection, capturedBefore);
        command.CommandText = "EXPLAIN QUERY PLAN " + command.CommandText;
        using var reader = command.ExecuteReader();
        var steps = new List<string>();
        while (reader.Read())
        {
            steps.Add(reader.GetString(3));
        }

        return steps;
    }

    private SqliteCommand Command(SqliteConnection connection, long before)
    {
        var command = connection.CreateCommand();
        command.CommandText = query.Sql;
        foreach (var (name, value) in query.Parameters)
        {
            // The parameter that held the captured `before` gets the new one; the room and the row count stay.
            command.Parameters.AddWithValue(name, value is long v && v == capturedBefore ? before : value ?? DBNull.Value);
        }

        return command;
    }
}
