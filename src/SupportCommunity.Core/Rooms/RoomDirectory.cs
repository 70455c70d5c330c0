using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Caching.Memory;
using SupportCommunity.Data;
using SupportCommunity.Identity;
using SupportCommunity.Moderation;

namespace SupportCommunity.Rooms;

/// <summary>
/// A room's identity and who it belongs to: what a send, a page or an access check needs. None of it changes once
/// the room exists.
/// </summary>
public sealed record RoomKey(int Id, string Slug, RoomKind Kind = RoomKind.Public, string? CustomerId = null, int? SourceRoomId = null)
{
    public bool IsPublic => Kind == RoomKind.Public;
}

/// <summary>
/// Finds rooms by slug and decides who may read them (ADR-0007). Every path to a room's messages (hub, REST, the
/// live components, catch-up, threads, search, notifications) goes through <see cref="GetReadableAsync"/>, and a room
/// the caller may not read is reported exactly like one that does not exist.
/// </summary>
/// <remarks>
/// A room's slug, id, kind and customer never change once created, so cached entries cannot go stale; unknown
/// slugs are not cached, so a hostile caller cannot fill the cache, and entries idle for a while are dropped.
/// </remarks>
public sealed class RoomDirectory(IDbContextFactory<CommunityDbContext> dbFactory, IMemoryCache cache, ActorDirectory actors, TimeProvider clock)
{
    private static readonly MemoryCacheEntryOptions Entry = new() { SlidingExpiration = TimeSpan.FromMinutes(30) };

    /// <summary>The room, whoever asks, or a not-found refusal. Only for callers that check access themselves.</summary>
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
            .Select(r => new RoomKey(r.Id, r.Slug, r.Kind, r.CustomerId, r.SourceRoomId))
            .SingleOrDefaultAsync(cancellationToken)
            ?? throw NotFound(slug);
        cache.Set((typeof(RoomKey), slug), key, Entry);
        return key;
    }

    /// <summary>
    /// The room if <paramref name="actor"/> may read it; otherwise the same refusal as an unknown room. A member banned
    /// from the room (or the community) is refused with the ban's reason and the time left (ADR-0008).
    /// </summary>
    public async ValueTask<RoomKey> GetReadableAsync(Actor actor, string? slug, CancellationToken cancellationToken = default)
    {
        var room = await GetAsync(slug, cancellationToken);
        if (!await MayEnterAsync(actor, room, cancellationToken))
        {
            throw NotFound(slug);
        }

        var sanctions = await actors.GetActiveSanctionsAsync(actor.UserId, cancellationToken);
        if (sanctions.Count > 0 && SanctionService.IsBarred(sanctions, room.Id))
        {
            // The refusal for a post names the ban and the time left; a read is refused the same way.
            SanctionService.EnsureMayPost([.. sanctions.Where(s => s.Kind != SanctionKind.Timeout)], room.Id, clock.GetUtcNow());
        }

        return room;
    }

    /// <summary>True when <paramref name="actor"/> may read the room now: its access rules allow it and no ban keeps them out.</summary>
    public async ValueTask<bool> CanReadAsync(Actor actor, RoomKey room, CancellationToken cancellationToken = default)
    {
        if (!await MayEnterAsync(actor, room, cancellationToken))
        {
            return false;
        }

        var sanctions = await actors.GetActiveSanctionsAsync(actor.UserId, cancellationToken);
        return sanctions.Count == 0 || !SanctionService.IsBarred(sanctions, room.Id);
    }

    private async ValueTask<bool> MayEnterAsync(Actor actor, RoomKey room, CancellationToken cancellationToken) => room.Kind switch
    {
        RoomKind.Public => true,
        RoomKind.Private => actor.UserId == room.CustomerId || await HelpsPrivatelyAsync(actor, room.SourceRoomId, cancellationToken),
        RoomKind.StaffNotes => actor.UserId != room.CustomerId && await HelpsPrivatelyAsync(actor, room.SourceRoomId, cancellationToken),
        _ => false,
    };

    /// <summary>
    /// Staff who may answer privately for a public room: community managers, admins and support agents everywhere,
    /// volunteer moderators in the rooms they moderate.
    /// </summary>
    public async ValueTask<bool> HelpsPrivatelyAsync(Actor actor, int? sourceRoomId, CancellationToken cancellationToken = default)
    {
        if (actor.ManagesCommunity || actor.Roles.Contains(CommunityRoles.SupportAgent))
        {
            return true;
        }

        if (sourceRoomId is null || !actor.Roles.Contains(CommunityRoles.VolunteerModerator))
        {
            return false;
        }

        if (actor.ModeratedRoomIds is { } moderated)
        {
            return moderated.Contains(sourceRoomId.Value);
        }

        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        return await db.RoomModerators.AnyAsync(g => g.RoomId == sourceRoomId && g.UserId == actor.UserId, cancellationToken);
    }

    internal static CommunityException NotFound(string? slug) => CommunityException.NotFound($"There is no room '{Shorten(slug)}'.");

    internal static string Shorten(string? value) => value is null ? "" : value.Length <= 64 ? value : value[..64] + "…";
}
