using System.Collections.Concurrent;
using SupportCommunity.Events;
using SupportCommunity.Identity;

namespace SupportCommunity.Presence;

/// <summary>Relays "is typing" to a room, at most once per <see cref="Interval"/> per user and room.</summary>
public sealed class TypingSignal(IRoomEventBus bus, TimeProvider clock)
{
    public static readonly TimeSpan Interval = TimeSpan.FromSeconds(2);

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
