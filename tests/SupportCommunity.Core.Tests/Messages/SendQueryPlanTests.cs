using System.Collections.Concurrent;
using System.Data.Common;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Diagnostics;
using SupportCommunity.Identity;
using SupportCommunity.Messages;
using SupportCommunity.Rooms;

namespace SupportCommunity.Core.Tests.Messages;

/// <summary>
/// What SQLite does for a customer's send in a room with a long history written by others: every query EF Core runs
/// on the messages table is an index search, and one that picks a member's own messages searches by author, so its
/// cost does not grow with the room (it used to walk the room's history back until it found the member's messages).
/// </summary>
public sealed class SendQueryPlanTests : IAsyncLifetime
{
    private const int HistoryByOthers = 2_000;

    private readonly ConcurrentQueue<(string Sql, SqliteParameter[] Parameters)> _commands = new();
    private readonly CommunityDatabase _database;
    private Actor _customer = default!;

    public SendQueryPlanTests() => _database = new CommunityDatabase
    {
        ConfigureDbContext = db => db.AddInterceptors(new CommandRecorder(_commands)),
    };

    public async Task InitializeAsync()
    {
        await _database.InitializeAsync();
        var room = await _database.AddRoomAsync("general");
        var other = await _database.AddUserAsync("Casey", CommunityRoles.Customer);
        _customer = await _database.AddUserAsync("Jordan", CommunityRoles.Customer);
        await using var db = await _database.CreateDbContextAsync();
        db.Messages.AddRange(Enumerable.Range(1, HistoryByOthers).Select(i => new Message
        {
            RoomId = room.Id,
            Sequence = i,
            Revision = i,
            CreatedRevision = i,
            ClientMessageId = Guid.NewGuid(),
            AuthorId = other.UserId,
            AuthorName = other.DisplayName,
            AuthorRole = CommunityRoles.Customer,
            Body = "an older message " + i,
            CreatedAt = DateTimeOffset.UtcNow.AddDays(-1),
        }));
        await db.Rooms.Where(r => r.Id == room.Id)
            .ExecuteUpdateAsync(s => s.SetProperty(r => r.LastSequence, HistoryByOthers).SetProperty(r => r.Revision, HistoryByOthers));
        await db.SaveChangesAsync();
    }

    public Task DisposeAsync() => _database.DisposeAsync();

    [Fact]
    public async Task CustomersSend_InALongRoom_SearchesMessagesByIndexAndByAuthor()
    {
        _commands.Clear();

        await _database.Get<MessageService>().SendAsync(_customer, "general", Guid.NewGuid(), "my first question here");

        var onMessages = _commands.Where(c => c.Sql.Contains("FROM \"Messages\"", StringComparison.Ordinal)).ToList();
        Assert.NotEmpty(onMessages);
        var byAuthor = 0;
        await using var db = await _database.CreateDbContextAsync();
        await db.Database.OpenConnectionAsync();
        foreach (var (sql, parameters) in onMessages)
        {
            var plan = await PlanAsync((SqliteConnection)db.Database.GetDbConnection(), sql, parameters);
            Assert.DoesNotContain(plan, line => line.StartsWith("SCAN Messages", StringComparison.Ordinal));
            if (sql.Contains("\"AuthorId\" = ", StringComparison.Ordinal))
            {
                byAuthor++;
                Assert.Contains(plan, line => line.Contains("INDEX IX_Messages_AuthorId_", StringComparison.Ordinal));
            }
        }

        // The member's recent messages (slow mode, duplicates) were read.
        Assert.True(byAuthor > 0, "No query picked the sender's own messages: " + string.Join("\n", onMessages.Select(c => c.Sql)));
    }

    private static async Task<List<string>> PlanAsync(SqliteConnection connection, string sql, SqliteParameter[] parameters)
    {
        await using var command = connection.CreateCommand();
        command.CommandText = "EXPLAIN QUERY PLAN " + sql;
        foreach (var parameter in parameters)
        {
            command.Parameters.Add(new SqliteParameter(parameter.ParameterName, parameter.Value));
        }

        var plan = new List<string>();
        await using var reader = await command.ExecuteReaderAsync();
        while (await reader.ReadAsync())
        {
            plan.Add(reader.GetString(3));
        }

        return plan;
    }

    private sealed class CommandRecorder(ConcurrentQueue<(string, SqliteParameter[])> commands) : DbCommandInterceptor
    {
        public override ValueTask<InterceptionResult<DbDataReader>> ReaderExecutingAsync(
            DbCommand command, CommandEventData eventData, InterceptionResult<DbDataReader> result, CancellationToken cancellationToken = default)
        {
            commands.Enqueue((command.CommandText, [.. command.Parameters.Cast<SqliteParameter>().Select(p => new SqliteParameter(p.ParameterName, p.Value))]));
            return ValueTask.FromResult(result);
        }
    }
}
