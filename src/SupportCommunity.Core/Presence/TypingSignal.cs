using System.Collections.Concurrent;
using SupportCommunity.Events;
using SupportCommunity.Identity;
using SupportCommunity.Moderation;

namespace SupportCommunity.Presence;

/// <summary>Relays "is typing" to a room, at most once per <see cref="Interval"/> per user and room.</summary>
public sealed class TypingSignal(IRoomEventBus bus, TimeProvider clock, ActorDirectory actors)
{
    public static readonly TimeSpan Interval = TimeSpan.FromSeconds(2);

    /// <summary>
    /// "Is typing" in a room the caller has joined (its access and room bans checked by the caller): refused, with the
    /// reason and the time left, for a member who may not post anywhere now (timed out or banned from the community),
    /// so that nobody shows as typing where they cannot post, and a timeout cannot be dodged with typing notices.
    /// </summary>
    public async Task SendInRoomAsync(Actor actor, string roomSlug, CancellationToken cancellationToken = default)
    {
        var sanctions = await actors.GetActiveSanctionsAsync(actor.UserId, cancellationToken);
        if (sanctions.Count > 0)
        {
            SanctionService.EnsureMayPost([.. sanctions.Where(s => s.Kind is SanctionKind.Timeout or SanctionKind.CommunityBan)], roomId: 0, clock.GetUtcNow());
        }

        await SendAsync(actor, roomSlug);
    }

    private readonly ConcurrentDictionary<(string UserId, string RoomSlug), DateTimeOffset> _lastSent = new();

    public async Task SendAsync(Actor actor, string roomSlug)
    {
        var now = clock.GetUtcNow();
        var key = (actor.UserId, roomSlug);
        if (_lastSent.TryGetValue(key, out var last) && now - last < Interval)
        {
            return;
        }

        _lastSent[key] = now;
        if (_lastSent.Count > 10_000)
        {
            foreach (var stale in _lastSent.Where(e => now - e.Value > Interval).Select(e => e.Key).ToList())
            {
                _lastSent.TryRemove(stale, out _);
            }
        }

        await bus.PublishAsync(new UserTyping(roomSlug, new PresenceUser(actor.UserId, actor.DisplayName, actor.PrimaryRole)));
    }
}
