using System.Collections.Concurrent;
using System.Data.Common;
using System.Text;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.EntityFrameworkCore.Metadata;
using Microsoft.EntityFrameworkCore.Storage;
using SupportCommunity.Data;
using SupportCommunity.Rooms;

namespace SupportCommunity.Messages;

/// <summary>
/// The writer's statements for a batch of sends: reserve a run of sequence numbers in a room, and insert the batch's
/// rows. They are the send path's hot spot, so they skip EF Core's change tracking and query pipeline (which cost
/// about 30 KB and several hundred microseconds per statement) but are still built from the EF model: table and column
/// names, value converters and parameter types come from it, and the provider's SQL helper quotes the identifiers, so
/// the same code serves SQLite and SQL Server (ADR-0002 addendum).
/// </summary>
internal sealed class MessageRows
{
    /// <summary>Rows per INSERT statement: 12 parameters a row stays under SQL Server's 2,100-parameter limit.</summary>
    private const int RowsPerStatement = 100;

    private static readonly ConcurrentDictionary<IModel, MessageRows> ByModel = new();

    private static readonly Func<CommunityDbContext, int, long, long, IAsyncEnumerable<StoredRow>> StoredIds =
        EF.CompileAsyncQuery((CommunityDbContext db, int roomId, long first, long last) => db.Messages
            .Where(m => m.RoomId == roomId && m.Sequence >= first && m.Sequence <= last)
            .Select(m => new StoredRow(m.Sequence, m.Id)));

    private readonly string _reserve;
    private readonly string _insertPrefix;
    private readonly IProperty[] _columns;
    private readonly string[] _rowSql;
    private readonly RelationalTypeMapping _intMapping;
    private readonly ISqlGenerationHelper _sql;

    private MessageRows(CommunityDbContext db)
    {
        _sql = db.GetService<ISqlGenerationHelper>();
        var rooms = db.Model.FindEntityType(typeof(Room))!;
        var messages = db.Model.FindEntityType(typeof(Message))!;
        string Column(IEntityType type, string property) => _sql.DelimitIdentifier(type.FindProperty(property)!.GetColumnName());
        string Table(IEntityType type) => _sql.DelimitIdentifier(type.GetTableName()!, type.GetSchema());

        // The update takes the room row's write lock until commit: concurrent writers get consecutive numbers, never
        // the same one, and a rolled-back batch leaves no gap.
        var last = Column(rooms, nameof(Room.LastSequence));
        var revision = Column(rooms, nameof(Room.Revision));
        var id = Column(rooms, nameof(Room.Id));
        var table = Table(rooms);
        var count = _sql.GenerateParameterNamePlaceholder("count");
        var room = _sql.GenerateParameterNamePlaceholder("room");
        _reserve = $"UPDATE {table} SET {last} = {last} + {count}, {revision} = {revision} + {count} WHERE {id} = {room}{_sql.StatementTerminator}\n"
                   + $"SELECT {last}, {revision} FROM {table} WHERE {id} = {room}{_sql.StatementTerminator}";
        _intMapping = db.GetService<IRelationalTypeMappingSource>().FindMapping(typeof(int))!;

        _columns = [.. messages.GetProperties().Where(p => p.ValueGenerated == ValueGenerated.Never)];
        _insertPrefix = $"INSERT INTO {Table(messages)} ({string.Join(", ", _columns.Select(p => _sql.DelimitIdentifier(p.GetColumnName())))}) VALUES ";
        _rowSql = [.. Enumerable.Range(0, RowsPerStatement).Select(row =>
            "(" + string.Join(", ", _columns.Select((_, c) => _sql.GenerateParameterNamePlaceholder($"p{row}_{c}"))) + ")")];
    }

    public static MessageRows For(CommunityDbContext db) => ByModel.GetOrAdd(db.Model, _ => new MessageRows(db));

    /// <summary>Moves the room's counters on by <paramref name="count"/>; returns the new last sequence and revision.</summary>
    public async Task<(long LastSequence, long Revision)> ReserveAsync(CommunityDbContext db, int roomId, int count, CancellationToken cancellationToken)
    {
        await using var command = CreateCommand(db, _reserve);
        command.Parameters.Add(_intMapping.CreateParameter(command, _sql.GenerateParameterName("count"), count));
        command.Parameters.Add(_intMapping.CreateParameter(command, _sql.GenerateParameterName("room"), roomId));
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        if (!await reader.ReadAsync(cancellationToken))
        {
            throw new InvalidOperationException($"Room {roomId} does not exist.");
        }

        return (reader.GetInt64(0), reader.GetInt64(1));
    }

    /// <summary>Inserts the rows (all new: their ids are read back and set) in as few statements as the limits allow.</summary>
    public async Task InsertAsync(CommunityDbContext db, IReadOnlyList<Message> rows, CancellationToken cancellationToken)
    {
        for (var start = 0; start < rows.Count; start += RowsPerStatement)
        {
            var chunk = Math.Min(RowsPerStatement, rows.Count - start);
            var text = new StringBuilder(_insertPrefix);
            for (var row = 0; row < chunk; row++)
            {
                text.Append(row == 0 ? "" : ", ").Append(_rowSql[row]);
            }

            await using var command = CreateCommand(db, text.Append(_sql.StatementTerminator).ToString());
            for (var row = 0; row < chunk; row++)
            {
                var message = rows[start + row];
                for (var c = 0; c < _columns.Length; c++)
                {
                    var column = _columns[c];
                    command.Parameters.Add(column.GetRelationalTypeMapping().CreateParameter(
                        command, _sql.GenerateParameterName($"p{row}_{c}"), column.GetGetter().GetClrValueUsingContainingEntity(message), column.IsNullable));
                }
            }

            try
            {
                await command.ExecuteNonQueryAsync(cancellationToken);
            }
            catch (DbException ex)
            {
                // As from SaveChanges: callers tell a lost unique-index race (the same send stored by another node)
                // by this type, and a busy database by the inner exception.
                throw new DbUpdateException("Storing the batch's messages failed.", ex);
            }
        }

        // Ids are generated by the database; each room's new rows are one run of sequences, read back by the unique index.
        foreach (var room in rows.GroupBy(m => m.RoomId))
        {
            var bySequence = room.ToDictionary(m => m.Sequence);
            await foreach (var stored in StoredIds(db, room.Key, bySequence.Keys.Min(), bySequence.Keys.Max()).WithCancellation(cancellationToken))
            {
                if (bySequence.TryGetValue(stored.Sequence, out var message))
                {
                    message.Id = stored.Id;
                }
            }
        }
    }

    private static DbCommand CreateCommand(CommunityDbContext db, string text)
    {
        var command = db.Database.GetDbConnection().CreateCommand();
        command.Transaction = db.Database.CurrentTransaction?.GetDbTransaction()
            ?? throw new InvalidOperationException("The writer's statements run inside its transaction.");
        command.CommandText = text;
        if (db.Database.GetCommandTimeout() is { } timeout)
        {
            command.CommandTimeout = timeout;
        }

        return command;
    }

    private sealed record StoredRow(long Sequence, long Id);
}
