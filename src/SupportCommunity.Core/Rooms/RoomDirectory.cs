using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Caching.Memory;
using SupportCommunity.Data;

namespace SupportCommunity.Rooms;

/// <summary>A room's identity: what a send or a history page needs to find its rows.</summary>
public sealed record RoomKey(int Id, string Slug);

/// <summary>
/// Resolves a room's slug to its id without a query on every send and page. A room's slug and id never change once
/// created, so a cached entry cannot go stale; unknown slugs are not cached, so a hostile caller cannot fill the
/// cache, and entries idle for a while are dropped.
/// </summary>
public sealed class RoomDirectory(IDbContextFactory<CommunityDbContext> dbFactory, IMemoryCache cache)
{
    private static readonly MemoryCacheEntryOptions Entry = new() { SlidingExpiration = TimeSpan.FromMinutes(30) };

    /// <summary>The room, or a not-found refusal.</summary>
    public async ValueTask<RoomKey> GetAsync(string? slug, CancellationToken cancellationToken = default)
    {
        slug ??= "";
        if (cache.TryGetValue((typeof(RoomKey), slug), out RoomKey? key) && key is not null)
        {
            return key;
        }

        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        key = await db.Rooms.AsNoTracking()
            .Where(r => r.Slug == slug)
            .Select(r => new RoomKey(r.Id, r.Slug))
            .SingleOrDefaultAsync(cancellationToken)
            ?? throw CommunityException.NotFound($"There is no room '{Shorten(slug)}'.");
        cache.Set((typeof(RoomKey), slug), key, Entry);
        return key;
    }

    internal static string Shorten(string? value) => value is null ? "" : value.Length <= 64 ? value : value[..64] + "…";
}
