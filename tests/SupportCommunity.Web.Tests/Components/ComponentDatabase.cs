using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using SupportCommunity.Conversations;
using SupportCommunity.Data;
using SupportCommunity.Events;
using SupportCommunity.Identity;
using SupportCommunity.Messages;
using SupportCommunity.Notifications;
using SupportCommunity.Rooms;
using SupportCommunity.Web.Notifications;

namespace SupportCommunity.Web.Tests.Components;

/// <summary>
/// The real Core services over a migrated SQLite file, for components that call them. One per test class; the
/// components and the test share its singletons (the in-process bus above all), as the app's circuits do.
/// </summary>
public sealed class ComponentDatabase : IAsyncLifetime
{
    private readonly string _folder = Path.Combine(
        Environment.GetEnvironmentVariable("SUPPORTCOMMUNITY_TEST_TMP") ?? Path.GetTempPath(),
        "component-tests-" + Guid.NewGuid().ToString("N"));

    private ServiceProvider? _services;

    public IServiceProvider Services => _services ?? throw new InvalidOperationException("Not initialised.");

    public T Get<T>() where T : notnull => Services.GetRequiredService<T>();

    public async Task InitializeAsync()
    {
        Directory.CreateDirectory(_folder);
        var services = new ServiceCollection();
        services.AddLogging();
        services.AddDbContextFactory<CommunityDbContext>(db => db.UseSqlite(
            $"Data Source={Path.Combine(_folder, "community.db")}",
            sqlite => sqlite.MigrationsAssembly("SupportCommunity.Migrations.Sqlite")));
        services.AddCommunityCore(new ConfigurationBuilder().Build());
        services.AddSingleton<MentionDirectory>();
        _services = services.BuildServiceProvider();

        await using var db = await Get<IDbContextFactory<CommunityDbContext>>().CreateDbContextAsync();
        await db.Database.MigrateAsync();
    }

    /// <summary>Hands this database's services to a bUnit context.</summary>
    public void AddTo(IServiceCollection services)
    {
        services.AddSingleton(Get<IRoomEventBus>());
        services.AddSingleton(Get<TimeProvider>());
        services.AddSingleton(Get<NotificationService>());
        services.AddSingleton(Get<ConversationService>());
        services.AddSingleton(Get<RoomService>());
        services.AddSingleton(Get<MentionDirectory>());
        services.AddSingleton(Get<SupportCommunity.Moderation.ModerationQueueService>());
        services.AddSingleton(Get<SupportCommunity.Tickets.TicketService>());
    }

    public async Task<Actor> AddUserAsync(string displayName, params string[] roles)
    {
        await using var db = await Get<IDbContextFactory<CommunityDbContext>>().CreateDbContextAsync();
        var user = new CommunityUser
        {
            UserName = "user-" + Guid.NewGuid().ToString("N")[..12],
            DisplayName = displayName,
            CreatedAt = DateTimeOffset.UtcNow,
        };
        db.Users.Add(user);
        await db.SaveChangesAsync();
        return new Actor(user.Id, displayName, roles.ToHashSet());
    }

    public async Task AddRoomAsync(string slug, string name)
    {
        await using var db = await Get<IDbContextFactory<CommunityDbContext>>().CreateDbContextAsync();
        db.Rooms.Add(new Room { Slug = slug, Name = name, Topic = "", CreatedAt = DateTimeOffset.UtcNow });
        await db.SaveChangesAsync();
    }

    /// <summary>Posts a message and creates its notifications, as the app's dispatcher does after every send.</summary>
    public async Task<MessageDto> PostAsync(Actor author, string roomSlug, string body)
    {
        var message = await Get<MessageService>().SendAsync(author, roomSlug, Guid.NewGuid(), body);
        await Get<NotificationService>().NotifyAsync(message);
        return message;
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
            // A straggling handle; the test script removes its temp folder as a whole.
        }
    }
}
