using System.Globalization;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using SupportCommunity.Data;

namespace SupportCommunity.Benchmarks.Hosting;

/// <summary>
/// The SQLite settings that decide write and read cost, as the app's own DbContext connection has them, so a raw
/// baseline runs with exactly the app's settings instead of the ones we assume it has.
/// </summary>
public sealed record SqlitePragmas(IReadOnlyDictionary<string, string> Values)
{
    private static readonly string[] Names =
        ["journal_mode", "synchronous", "foreign_keys", "busy_timeout", "cache_size", "temp_store", "mmap_size", "wal_autocheckpoint"];

    public static async Task<SqlitePragmas> ReadFromAppAsync(IServiceProvider appServices, CancellationToken cancellationToken)
    {
        var factory = appServices.GetRequiredService<IDbContextFactory<CommunityDbContext>>();
        await using var db = await factory.CreateDbContextAsync(cancellationToken);
        await db.Database.OpenConnectionAsync(cancellationToken);
        var connection = db.Database.GetDbConnection();
        var values = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var name in Names)
        {
            await using var command = connection.CreateCommand();
            command.CommandText = $"PRAGMA {name};";
            values[name] = Convert.ToString(await command.ExecuteScalarAsync(cancellationToken), CultureInfo.InvariantCulture) ?? "";
        }

        return new SqlitePragmas(values);
    }

    /// <summary>Applies every setting to a raw connection (journal_mode is kept in the file; the rest per connection).</summary>
    public void ApplyTo(SqliteConnection connection)
    {
        foreach (var (name, value) in Values)
        {
            using var command = connection.CreateCommand();
            command.CommandText = $"PRAGMA {name}={value};";
            command.ExecuteNonQuery();
        }
    }

    public override string ToString() => string.Join(", ", Values.Select(v => $"{v.Key}={v.Value}"));
}
