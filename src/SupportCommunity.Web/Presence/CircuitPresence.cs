using Microsoft.AspNetCore.Components.Server.Circuits;
using SupportCommunity.Presence;

namespace SupportCommunity.Web.Presence;

/// <summary>
/// A browser tab's presence. Blazor keeps a disconnected circuit for minutes in case the tab comes back, so
/// presence follows the connection instead: the tab's users leave their rooms when it drops and return when it
/// reconnects. One per circuit.
/// </summary>
public sealed class CircuitPresence(PresenceTracker tracker) : CircuitHandler
{
    private readonly Dictionary<string, (string Room, PresenceUser User)> _entries = new(StringComparer.Ordinal);
    private readonly Lock _gate = new();

    public Task<RoomPresence> EnterAsync(string roomSlug, string presenceKey, PresenceUser user)
    {
        lock (_gate)
        {
            _entries[presenceKey] = (roomSlug, user);
        }

        return tracker.EnterAsync(roomSlug, presenceKey, user);
    }

    public Task LeaveAsync(string roomSlug, string presenceKey, string userId)
    {
        lock (_gate)
        {
            _entries.Remove(presenceKey);
        }

        return tracker.LeaveAsync(roomSlug, presenceKey, userId);
    }

    public override async Task OnConnectionDownAsync(Circuit circuit, CancellationToken cancellationToken)
    {
        foreach (var (key, entry) in Snapshot())
        {
            await tracker.LeaveAsync(entry.Room, key, entry.User.Id);
        }
    }

    public override async Task OnConnectionUpAsync(Circuit circuit, CancellationToken cancellationToken)
    {
        foreach (var (key, entry) in Snapshot())
        {
            await tracker.EnterAsync(entry.Room, key, entry.User);
        }
    }

    private List<KeyValuePair<string, (string Room, PresenceUser User)>> Snapshot()
    {
        lock (_gate)
        {
            return [.. _entries];
        }
    }
}
