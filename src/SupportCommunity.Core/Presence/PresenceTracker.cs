using SupportCommunity.Events;

namespace SupportCommunity.Presence;

/// <summary>
/// Who is online in each room. This node remembers its own connections (hub connections and browser circuits);
/// the store holds everyone's, and <see cref="PresenceChanged"/> is published when a room's set of users changes.
/// </summary>
public sealed class PresenceTracker(IPresenceStore store, IRoomEventBus bus)
{
    /// <summary>
    /// This node's connections and the rooms each is in: a list, since a connection is in one room or a few, and a
    /// list of one is a third of the smallest hash set (idle memory per connection, docs/performance.md).
    /// </summary>
    private readonly Dictionary<string, (PresenceUser User, List<string> Rooms)> _connections = new(StringComparer.Ordinal);
    private readonly Lock _gate = new();

    public async Task<RoomPresence> EnterAsync(string roomSlug, string connectionId, PresenceUser user)
    {
        lock (_gate)
        {
            if (!_connections.TryGetValue(connectionId, out var connection))
            {
                _connections[connectionId] = connection = (user, new List<string>(1));
            }

            if (!connection.Rooms.Contains(roomSlug, StringComparer.Ordinal))
            {
                connection.Rooms.Add(roomSlug);
            }
        }

        var isNew = await store.AddAsync(roomSlug, connectionId, user);
        var snapshot = await store.GetAsync(roomSlug);
        if (isNew)
        {
            await bus.PublishAsync(new PresenceChanged(roomSlug, snapshot));
        }

        return snapshot;
    }

    public async Task LeaveAsync(string roomSlug, string connectionId, string userId)
    {
        lock (_gate)
        {
            if (!_connections.TryGetValue(connectionId, out var connection) || !connection.Rooms.Remove(roomSlug))
            {
                return;
            }

            if (connection.Rooms.Count == 0)
            {
                _connections.Remove(connectionId);
            }
        }

        await LeftAsync(roomSlug, connectionId, userId);
    }

    /// <summary>For a closed connection: leaves every room it was in.</summary>
    public async Task LeaveAllAsync(string connectionId, string userId)
    {
        string[] rooms;
        lock (_gate)
        {
            if (!_connections.Remove(connectionId, out var connection))
            {
                return;
            }

            rooms = [.. connection.Rooms];
        }

        foreach (var room in rooms)
        {
            await LeftAsync(room, connectionId, userId);
        }
    }

    public Task<RoomPresence> GetAsync(string roomSlug) => store.GetAsync(roomSlug);

    /// <summary>Renews this node's connections in the store and announces rooms where someone came or went.</summary>
    public async Task HeartbeatAsync()
    {
        List<(string, string, PresenceUser)> local;
        lock (_gate)
        {
            local = [.. _connections.SelectMany(c => c.Value.Rooms.Select(room => (room, c.Key, c.Value.User)))];
        }

        foreach (var room in await store.HeartbeatAsync(local))
        {
            await bus.PublishAsync(new PresenceChanged(room, await store.GetAsync(room)));
        }
    }

    /// <summary>On a clean shutdown: this node's users leave at once instead of expiring.</summary>
    public async Task LeaveEverywhereAsync()
    {
        List<(string ConnectionId, string UserId)> connections;
        lock (_gate)
        {
            connections = [.. _connections.Select(c => (c.Key, c.Value.User.Id))];
        }

        foreach (var (connectionId, userId) in connections)
        {
            await LeaveAllAsync(connectionId, userId);
        }
    }

    private async Task LeftAsync(string roomSlug, string connectionId, string userId)
    {
        if (await store.RemoveAsync(roomSlug, connectionId, userId))
        {
            await bus.PublishAsync(new PresenceChanged(roomSlug, await store.GetAsync(roomSlug)));
        }
    }
}
