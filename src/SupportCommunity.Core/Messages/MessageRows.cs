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
/// The writer's statements for a batch of sends: find which sends are already stored, reserve a run of sequence numbers
/// in a room, insert the batch's rows and read their ids. They are the send path's hot spot, so they skip EF Core's
/// change tracking and query pipeline, and each statement is prepared once on this object's connection and run again
/// with new values (ADR-0016): the writer keeps one for its life. They are still built from the EF model (table and
/// column names, value converters and parameter types), and the provider's SQL helper quotes the identifiers, so the
/// same code serves SQLite and SQL Server (ADR-0002 addendum).
/// </summary>
internal sealed class MessageRows : IAsyncDisposable
{
    private readonly Statements _sql;
    private readonly Dictionary<string, DbCommand> _prepared = [];
    private readonly bool _ownsContext;

    /// <summary>Statements on <paramref name="db"/>'s connection, for as long as the caller keeps both.</summary>
    public MessageRows(CommunityDbContext db)
        : this(db, ownsContext: false)
    {
    }

    private MessageRows(CommunityDbContext db, bool ownsContext)
    {
        Db = db;
        _ownsContext = ownsContext;
        _sql = Statements.ByModel.GetOrAdd(db.Model, _ => new Statements(db));
    }

    public CommunityDbContext Db { get; }

    /// <summary>A context of its own with its connection held open, so that its prepared statements stay prepared.</summary>
    public static async Task<MessageRows> OpenAsync(IDbContextFactory<CommunityDbContext> factory) =>
        new(await OpenContexts.OpenAsync(factory, CancellationToken.None), ownsContext: true);

    /// <summary>Whether any of these (author, client message id) pairs is stored already: usually none is.</summary>
    public async Task<bool> AnyStoredAsync(IReadOnlyList<(string AuthorId, Guid ClientMessageId)> sends, CancellationToken cancellationToken)
    {
        for (var start = 0; start < sends.Count; start += _sql.RowsPerStatement)
        {
            var chunk = Math.Min(_sql.RowsPerStatement, sends.Count - start);
            var command = Command(_sql.FindStored(chunk));
            for (var i = 0; i < chunk; i++)
            {
                var (authorId, clientMessageId) = sends[start + i];
                command.Parameters.Add(_sql.Parameter(command, _sql.AuthorId, $"a{i}", authorId));
                command.Parameters.Add(_sql.Parameter(command, _sql.ClientMessageId, $"c{i}", clientMessageId));
            }

            if (await command.ExecuteScalarAsync(cancellationToken) is not null)
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>Moves the room's counters on by <paramref name="count"/>; returns the new last sequence and revision.</summary>
    public async Task<(long LastSequence, long Revision)> ReserveAsync(int roomId, int count, CancellationToken cancellationToken)
    {
        var command = Command(_sql.Reserve);
        command.Parameters.Add(_sql.Int(command, "count", count));
        command.Parameters.Add(_sql.Int(command, "room", roomId));
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        if (!await reader.ReadAsync(cancellationToken))
        {
            throw new InvalidOperationException($"Room {roomId} does not exist.");
        }

        return (reader.GetInt64(0), reader.GetInt64(1));
    }

    /// <summary>Inserts the rows (all new: their ids are read back and set).</summary>
    public async Task InsertAsync(IReadOnlyList<Message> rows, CancellationToken cancellationToken)
    {
        for (var start = 0; start < rows.Count; start += _sql.RowsPerStatement)
        {
            var chunk = Math.Min(_sql.RowsPerStatement, rows.Count - start);
            var command = Command(_sql.Insert(chunk));
            for (var row = 0; row < chunk; row++)
            {
                var message = rows[start + row];
                for (var c = 0; c < _sql.Columns.Length; c++)
                {
                    var column = _sql.Columns[c];
                    command.Parameters.Add(_sql.Parameter(command, column, $"p{row}_{c}", column.GetGetter().GetClrValueUsingContainingEntity(message)));
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
            var command = Command(_sql.StoredIds);
            command.Parameters.Add(_sql.Int(command, "room", room.Key));
            command.Parameters.Add(_sql.Long(command, "first", bySequence.Keys.Min()));
            command.Parameters.Add(_sql.Long(command, "last", bySequence.Keys.Max()));
            await using var reader = await command.ExecuteReaderAsync(cancellationToken);
            while (await reader.ReadAsync(cancellationToken))
            {
                if (bySequence.TryGetValue(reader.GetInt64(0), out var message))
                {
                    message.Id = reader.GetInt64(1);
                }
            }
        }
    }

    /// <summary>
    /// The command for this text on this connection, prepared the first time, in the current transaction and with its
    /// parameters cleared for new values (parameters are bound by name at each run; the prepared statement stays).
    /// </summary>
    private DbCommand Command(string text)
    {
        if (!_prepared.TryGetValue(text, out var command))
        {
            command = Db.Database.GetDbConnection().CreateCommand();
            command.CommandText = text;
            _prepared.Add(text, command);
        }

        command.Transaction = Db.Database.CurrentTransaction?.GetDbTransaction();
        command.Parameters.Clear();
        if (Db.Database.GetCommandTimeout() is { } timeout)
        {
            command.CommandTimeout = timeout;
        }

        return command;
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var command in _prepared.Values)
        {
            await command.DisposeAsync();
        }

        _prepared.Clear();
        if (_ownsContext)
        {
            await Db.DisposeAsync();
        }
    }

    /// <summary>The SQL text of the statements, built once per model.</summary>
    private sealed class Statements
    {
        public static readonly ConcurrentDictionary<IModel, Statements> ByModel = new();

        private readonly ISqlGenerationHelper _sql;
        private readonly RelationalTypeMapping _int;
        private readonly RelationalTypeMapping _long;
        private readonly string _insertPrefix;
        private readonly string[] _rowSql;
        private readonly string[] _insert;
        private readonly string[] _findStored;
        private readonly string _findPrefix;
        private readonly string _findPair;

        public Statements(CommunityDbContext db)
        {
            _sql = db.GetService<ISqlGenerationHelper>();
            var mappings = db.GetService<IRelationalTypeMappingSource>();
            _int = mappings.FindMapping(typeof(int))!;
            _long = mappings.FindMapping(typeof(long))!;
            var rooms = db.Model.FindEntityType(typeof(Room))!;
            var messages = db.Model.FindEntityType(typeof(Message))!;
            string Column(IEntityType type, string property) => _sql.DelimitIdentifier(type.FindProperty(property)!.GetColumnName());
            string Table(IEntityType type) => _sql.DelimitIdentifier(type.GetTableName()!, type.GetSchema());
            string P(string name) => _sql.GenerateParameterNamePlaceholder(name);
            var end = _sql.StatementTerminator;

            // SQLite runs a statement in-process: one prepared single-row statement run once per row costs least (a
            // multi-row statement's text, and the binding of its parameters by name, grow with the rows). Across a
            // network (SQL Server) one statement per 100 rows saves the round trips; 12 parameters a row stay under
            // its 2,100-parameter limit.
            RowsPerStatement = db.Database.ProviderName == "Microsoft.EntityFrameworkCore.Sqlite" ? 1 : 100;

            // The update takes the room row's write lock until commit: concurrent writers get consecutive numbers,
            // never the same one, and a rolled-back batch leaves no gap.
            var last = Column(rooms, nameof(Room.LastSequence));
            var revision = Column(rooms, nameof(Room.Revision));
            var roomId = Column(rooms, nameof(Room.Id));
            var roomsTable = Table(rooms);
            Reserve = $"UPDATE {roomsTable} SET {last} = {last} + {P("count")}, {revision} = {revision} + {P("count")} WHERE {roomId} = {P("room")}{end}\n"
                      + $"SELECT {last}, {revision} FROM {roomsTable} WHERE {roomId} = {P("room")}{end}";

            var messagesTable = Table(messages);
            Columns = [.. messages.GetProperties().Where(p => p.ValueGenerated == ValueGenerated.Never)];
            AuthorId = messages.FindProperty(nameof(Message.AuthorId))!;
            ClientMessageId = messages.FindProperty(nameof(Message.ClientMessageId))!;
            _insertPrefix = $"INSERT INTO {messagesTable} ({string.Join(", ", Columns.Select(p => _sql.DelimitIdentifier(p.GetColumnName())))}) VALUES ";
            _rowSql = [.. Enumerable.Range(0, RowsPerStatement).Select(row =>
                "(" + string.Join(", ", Columns.Select((_, c) => P($"p{row}_{c}"))) + ")")];
            _insert = new string[RowsPerStatement + 1];

            _findPrefix = $"SELECT 1 FROM {messagesTable} WHERE ";
            _findPair = $"({_sql.DelimitIdentifier(AuthorId.GetColumnName())} = {{0}} AND {_sql.DelimitIdentifier(ClientMessageId.GetColumnName())} = {{1}})";
            _findStored = new string[RowsPerStatement + 1];

            var sequence = Column(messages, nameof(Message.Sequence));
            StoredIds = $"SELECT {sequence}, {Column(messages, nameof(Message.Id))} FROM {messagesTable} "
                        + $"WHERE {Column(messages, nameof(Message.RoomId))} = {P("room")} AND {sequence} >= {P("first")} AND {sequence} <= {P("last")}{end}";
        }

        public int RowsPerStatement { get; }

        public IProperty[] Columns { get; }

        public IProperty AuthorId { get; }

        public IProperty ClientMessageId { get; }

        public string Reserve { get; }

        public string StoredIds { get; }

        /// <summary>An INSERT of <paramref name="rows"/> rows (at most <see cref="RowsPerStatement"/>).</summary>
        public string Insert(int rows) => _insert[rows] ??= new StringBuilder(_insertPrefix)
            .AppendJoin(", ", _rowSql.Take(rows)).Append(_sql.StatementTerminator).ToString();

        /// <summary>A query that returns a row if any of <paramref name="pairs"/> (author, client message id) is stored.</summary>
        public string FindStored(int pairs) => _findStored[pairs] ??= _findPrefix
            + string.Join(" OR ", Enumerable.Range(0, pairs).Select(i =>
                string.Format(null, _findPair, _sql.GenerateParameterNamePlaceholder($"a{i}"), _sql.GenerateParameterNamePlaceholder($"c{i}"))))
            + _sql.StatementTerminator;

        public DbParameter Parameter(DbCommand command, IProperty column, string name, object? value) =>
            column.GetRelationalTypeMapping().CreateParameter(command, _sql.GenerateParameterName(name), value, column.IsNullable);

        public DbParameter Int(DbCommand command, string name, int value) =>
            _int.CreateParameter(command, _sql.GenerateParameterName(name), value);

        public DbParameter Long(DbCommand command, string name, long value) =>
            _long.CreateParameter(command, _sql.GenerateParameterName(name), value);
    }
}
