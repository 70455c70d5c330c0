using System.Security.Claims;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Caching.Memory;
using SupportCommunity.Data;
using SupportCommunity.Events;
using SupportCommunity.Moderation;

namespace SupportCommunity.Identity;

/// <summary>
/// Who a user is right now: their roles, the rooms they moderate and their active sanctions, read from the database
/// (ADR-0008). Cookies and bearer tokens carry the roles of the moment they were issued; every entry point (hub,
/// REST, Blazor) asks here instead, so a grant, a revoke or a sanction reaches live sessions within seconds.
/// </summary>
/// <remarks>
/// Each user's standing is cached for <see cref="CacheFor"/> per node, so a send costs no query on a hit. A change
/// drops the entry on the node that made it at once and, through <see cref="RightsChanged"/> and
/// <see cref="SanctionChanged"/> on the bus, on every other node; the short expiry bounds staleness if a bus message
/// is lost.
/// </remarks>
public sealed class ActorDirectory : IDisposable
{
    public static readonly TimeSpan CacheFor = TimeSpan.FromSeconds(2);

    private readonly IDbContextFactory<CommunityDbContext> _dbFactory;
    private readonly IMemoryCache _cache;
    private readonly TimeProvider _clock;
    private readonly IDisposable _subscription;

    public ActorDirectory(IDbContextFactory<CommunityDbContext> dbFactory, IMemoryCache cache, TimeProvider clock, IRoomEventBus bus)
    {
        _dbFactory = dbFactory;
        _cache = cache;
        _clock = clock;
        _subscription = bus.Subscribe(roomSlug: null, OnEventAsync);
    }

    /// <summary>Counts database reads, for tests and benchmarks: a cache hit adds nothing.</summary>
    public long Reads => Interlocked.Read(ref _reads);

    private long _reads;

    /// <summary>The current actor of an authenticated principal (id and display name from its claims), or null when anonymous.</summary>
    public async ValueTask<Actor?> GetAsync(ClaimsPrincipal principal, CancellationToken cancellationToken = default)
    {
        var fromClaims = Actor.From(principal);
        return fromClaims is null ? null : await GetAsync(fromClaims.UserId, fromClaims.DisplayName, cancellationToken);
    }

    /// <summary>The current actor for a user id, with the display name the caller already knows.</summary>
    public async ValueTask<Actor> GetAsync(string userId, string displayName, CancellationToken cancellationToken = default)
    {
        var standing = await GetStandingAsync(userId, cancellationToken);
        return new Actor(userId, displayName, standing.Roles, standing.ModeratedRoomIds);
    }

    /// <summary>The user's roles as stored now (an empty set for an unknown user).</summary>
    public async ValueTask<IReadOnlySet<string>> GetRolesAsync(string userId, CancellationToken cancellationToken = default) =>
        (await GetStandingAsync(userId, cancellationToken)).Roles;

    /// <summary>The user's sanctions in force now (not lifted, not expired).</summary>
    public async ValueTask<IReadOnlyList<Sanction>> GetActiveSanctionsAsync(string userId, CancellationToken cancellationToken = default)
    {
        var standing = await GetStandingAsync(userId, cancellationToken);
        var now = _clock.GetUtcNow();
        return standing.Sanctions.Count == 0 ? [] : [.. standing.Sanctions.Where(s => s.ExpiresAt is null || s.ExpiresAt > now)];
    }

    /// <summary>Drops the cached standing of a user on this node; callers that change it call this before publishing.</summary>
    public void Forget(string userId) => _cache.Remove(Key(userId));

    public void Dispose() => _subscription.Dispose();

    private async ValueTask<Standing> GetStandingAsync(string userId, CancellationToken cancellationToken)
    {
        if (_cache.TryGetValue(Key(userId), out Standing? standing) && standing is not null)
        {
            return standing;
        }

        Interlocked.Increment(ref _reads);
        await using var db = await _dbFactory.CreateDbContextAsync(cancellationToken);
        var roles = await (
                from userRole in db.UserRoles
                join role in db.Roles on userRole.RoleId equals role.Id
                where userRole.UserId == userId
                select role.Name)
            .ToListAsync(cancellationToken);
        var rooms = await db.RoomModerators.Where(m => m.UserId == userId).Select(m => m.RoomId).ToListAsync(cancellationToken);
        // Expiry is compared here rather than in SQL: SQLite cannot compare DateTimeOffset values, and a user has few rows.
        var sanctions = await db.Sanctions.AsNoTracking()
            .Where(s => s.UserId == userId && s.RevokedAt == null)
            .ToListAsync(cancellationToken);
        var now = _clock.GetUtcNow();
        standing = new Standing(
            roles.OfType<string>().ToHashSet(StringComparer.Ordinal),
            rooms.ToHashSet(),
            [.. sanctions.Where(s => s.ExpiresAt is null || s.ExpiresAt > now)]);
        _cache.Set(Key(userId), standing, new MemoryCacheEntryOptions { AbsoluteExpirationRelativeToNow = CacheFor, Size = 1 });
        return standing;
    }

    private Task OnEventAsync(RoomEvent roomEvent)
    {
        switch (roomEvent)
        {
            case RightsChanged rights:
                Forget(rights.UserId);
                break;
            case SanctionChanged sanction:
                Forget(sanction.UserId);
                break;
        }

        return Task.CompletedTask;
    }

    private static (Type, string) Key(string userId) => (typeof(Standing), userId);

    private sealed record Standing(IReadOnlySet<string> Roles, IReadOnlySet<int> ModeratedRoomIds, IReadOnlyList<Sanction> Sanctions);
}
