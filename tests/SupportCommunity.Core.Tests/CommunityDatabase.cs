using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using SupportCommunity.Data;
using SupportCommunity.Identity;
using SupportCommunity.Rooms;

namespace SupportCommunity.Core.Tests;

/// <summary>
/// A real SQLite file, migrated with the SQLite migrations, behind the real Core services. One per test class
/// (or per test where state matters); the file is deleted on dispose.
/// </summary>
public sealed class CommunityDatabase : IAsyncLifetime
{
    private readonly string _folder = Path.Combine(
        Environment.GetEnvironmentVariable("SUPPORTCOMMUNITY_TEST_TMP") ?? Path.GetTempPath(),
        "core-tests-" + Guid.NewGuid().ToString("N"));

    private readonly Dictionary<string, string>? _settings;
    private ServiceProvider? _services;

    public CommunityDatabase() : this(null)
    {
    }

    public CommunityDatabase(Dictionary<string, string>? settings) => _settings = settings;

    /// <summary>Adds to the DbContext options (for example an interceptor that records the commands run).</summary>
    public Action<DbContextOptionsBuilder>? ConfigureDbContext { get; init; }

    /// <summary>Changes the services after the Core ones are added (for example a manual clock).</summary>
    public Action<IServiceCollection>? ConfigureServices { get; init; }

    public IServiceProvider Services => _services ?? throw new InvalidOperationException("Not initialised.");

    public T Get<T>() where T : notnull => Services.GetRequiredService<T>();

    public async Task InitializeAsync()
    {
        Directory.CreateDirectory(_folder);
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(_settings?.Select(s => new KeyValuePair<string, string?>(s.Key, s.Value))).Build();
        var services = new ServiceCollection();
        services.AddLogging();
        services.AddDbContextFactory<CommunityDbContext>(db =>
        {
            db.UseSqlite(
                $"Data Source={Path.Combine(_folder, "community.db")}",
                sqlite => sqlite.MigrationsAssembly("SupportCommunity.Migrations.Sqlite"));
            ConfigureDbContext?.Invoke(db);
        });
        services.AddCommunityCore(configuration);
        ConfigureServices?.Invoke(services);
        _services = services.BuildServiceProvider();

        await using var db = await CreateDbContextAsync();
        await db.Database.MigrateAsync();
        await db.Database.ExecuteSqlRawAsync("PRAGMA journal_mode=WAL;");
    }

    public Task<CommunityDbContext> CreateDbContextAsync() =>
        Get<IDbContextFactory<CommunityDbContext>>().CreateDbContextAsync();

    /// <summary>Creates a user row and returns them as an actor with the given roles.</summary>
    public async Task<Actor> AddUserAsync(string name, params string[] roles)
    {
        await using var db = await CreateDbContextAsync();
        var user = new CommunityUser
        {
            UserName = name + "-" + Guid.NewGuid().ToString("N")[..8],
            DisplayName = name,
            CreatedAt = DateTimeOffset.UtcNow,
        };
        db.Users.Add(user);
        await db.SaveChangesAsync();
        return new Actor(user.Id, name, roles.ToHashSet());
    }

    public async Task<Room> AddRoomAsync(string slug)
    {
        await using var db = await CreateDbContextAsync();
        var room = new Room { Slug = slug, Name = slug, Topic = "", CreatedAt = DateTimeOffset.UtcNow };
        db.Rooms.Add(room);
        await db.SaveChangesAsync();
        return room;
    }

    public async Task DisposeAsync()
    {
        if (_services is not null)
        {
            await _services.DisposeAsync();
        }

        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        try
        {
            Directory.Delete(_folder, recursive: true);
        }
        catch (IOException)
        {
            // A straggling handle; the temp folder is cleaned by the test script.
        }
    }
}
