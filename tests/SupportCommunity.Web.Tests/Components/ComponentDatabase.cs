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
using SupportCommunity.Moderation;
using SupportCommunity.Presence;
using SupportCommunity.Web.Moderation;
using SupportCommunity.Web.Notifications;
using SupportCommunity.Web.Presence;
using Microsoft.AspNetCore.Identity;
using Microsoft.Extensions.Options;

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
        // The six roles, as the app seeds them at start-up: components read members' roles from the database (ADR-0008).
        foreach (var role in CommunityRoles.All)
        {
            db.Roles.Add(new IdentityRole(role) { NormalizedName = role.ToUpperInvariant() });
        }

        await db.SaveChangesAsync();
    }

    /// <summary>
    /// Hands this database's services to a bUnit context: every Core service (the same singletons the test uses), and
    /// per "circuit" (the bUnit context) the user's live rights, as the app registers them.
    /// </summary>
    public void AddTo(IServiceCollection services)
    {
        services.AddSingleton(Get<IRoomEventBus>());
        services.AddSingleton(Get<TimeProvider>());
        services.AddSingleton(Get<IOptions<CommunityLimits>>());
        services.AddSingleton(Get<NotificationService>());
        services.AddSingleton(Get<ConversationService>());
        services.AddSingleton(Get<RoomService>());
        services.AddSingleton(Get<RoomDirectory>());
        services.AddSingleton(Get<MentionDirectory>());
        services.AddSingleton(Get<MessageService>());
        services.AddSingleton(Get<MessageFormatter>());
        services.AddSingleton(Get<PresenceTracker>());
        services.AddSingleton(Get<TypingSignal>());
        services.AddSingleton(Get<ActorDirectory>());
        services.AddSingleton(Get<ModerationScope>());
        services.AddSingleton(Get<SanctionService>());
        services.AddSingleton(Get<GrantService>());
        services.AddSingleton(Get<AuditService>());
        services.AddSingleton(Get<RoomControlService>());
        services.AddSingleton(Get<AutomodService>());
        services.AddSingleton(Get<ModerationQueueService>());
        services.AddScoped<LiveActor>();
        services.AddScoped<CircuitPresence>();
        services.AddSingleton(Get<SupportCommunity.Tickets.TicketService>());
    }

    /// <summary>A member with their roles stored (every entry point reads roles from the database).</summary>
    public async Task<Actor> AddUserAsync(string displayName, params string[] roles)
    {
        await using var db = await Get<IDbContextFactory<CommunityDbContext>>().CreateDbContextAsync();
        var user = new CommunityUser
        {
            UserName = "user-" + Guid.NewGuid().ToString("N")[..12],
            DisplayName = displayName,
            CreatedAt = DateTimeOffset.UtcNow.AddDays(-30),
        };
        db.Users.Add(user);
        await db.SaveChangesAsync();
        await SetRolesAsync(user.Id, roles);
        return new Actor(user.Id, displayName, roles.ToHashSet());
    }

    /// <summary>
    /// Replaces a member's stored roles and moderated rooms, as a grant or revoke on another node would, and drops the
    /// cached rights, without telling anyone on the bus: an open page keeps showing what it showed.
    /// </summary>
    public async Task SetRolesAsync(string userId, string[] roles, params string[] moderatedRooms)
    {
        await using var db = await Get<IDbContextFactory<CommunityDbContext>>().CreateDbContextAsync();
        await db.UserRoles.Where(r => r.UserId == userId).ExecuteDeleteAsync();
        await db.RoomModerators.Where(r => r.UserId == userId).ExecuteDeleteAsync();
        foreach (var role in roles)
        {
            var roleId = await db.Roles.Where(r => r.Name == role).Select(r => r.Id).SingleAsync();
            db.UserRoles.Add(new IdentityUserRole<string> { UserId = userId, RoleId = roleId });
        }

        foreach (var slug in moderatedRooms)
        {
            var roomId = await db.Rooms.Where(r => r.Slug == slug).Select(r => r.Id).SingleAsync();
            db.RoomModerators.Add(new RoomModerator { UserId = userId, RoomId = roomId });
        }

        await db.SaveChangesAsync();
        Get<ActorDirectory>().Forget(userId);
    }

    /// <summary>The member's stored roles, by name, sorted.</summary>
    public async Task<IReadOnlyList<string>> RolesOfAsync(string userId)
    {
        await using var db = await Get<IDbContextFactory<CommunityDbContext>>().CreateDbContextAsync();
        return await (from ur in db.UserRoles join r in db.Roles on ur.RoleId equals r.Id where ur.UserId == userId orderby r.Name select r.Name!).ToListAsync();
    }

    public async Task<CommunityDbContext> DbAsync() =>
        await Get<IDbContextFactory<CommunityDbContext>>().CreateDbContextAsync();

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
