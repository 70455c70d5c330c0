using System.Data.Common;
using System.Runtime.CompilerServices;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore.Diagnostics;
using SQLitePCL;

namespace SupportCommunity.Web.Data;

/// <summary>
/// SQLite settings that live on a connection rather than in the file, applied once to each connection the pool
/// opens (a pooled connection keeps them, so later opens cost one table lookup).
/// <c>temp_store = MEMORY</c>: a statement that may write several rows inside a transaction (a batch of messages,
/// with their indexes) keeps a statement journal to undo itself alone; by default SQLite spills that journal past a
/// small size into a file it creates and deletes under /var/tmp, several times a second under load.
/// </summary>
public sealed class SqliteConnectionSettings : DbConnectionInterceptor
{
    public static readonly SqliteConnectionSettings Instance = new();

    private const string Pragmas = "PRAGMA temp_store = MEMORY;";

    private static readonly object Applied = new();

    private readonly ConditionalWeakTable<sqlite3, object> _applied = [];

    private SqliteConnectionSettings()
    {
    }

    public override void ConnectionOpened(DbConnection connection, ConnectionEndEventData eventData) => Apply(connection);

    public override Task ConnectionOpenedAsync(DbConnection connection, ConnectionEndEventData eventData, CancellationToken cancellationToken = default)
    {
        Apply(connection);
        return Task.CompletedTask;
    }

    private void Apply(DbConnection connection)
    {
        if (connection is not SqliteConnection { Handle: { } handle } sqlite || _applied.TryGetValue(handle, out _))
        {
            return;
        }

        using var command = sqlite.CreateCommand();
        command.CommandText = Pragmas;
        command.ExecuteNonQuery();
        _applied.AddOrUpdate(handle, Applied);
    }
}
