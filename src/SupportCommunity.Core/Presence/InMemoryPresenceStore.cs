namespace SupportCommunity.Presence;

/// <summary>Presence for a single node: nothing to renew and no other node to expire.</summary>
public sealed class InMemoryPresenceStore : IPresenceStore
{
    private readonly Dictionary<string, Dictionary<string, PresenceUser>> _rooms = new(StringComparer.Ordinal);
    private readonly Lock _gate = new();

    public Task<bool> AddAsync(string roomSlug, string connectionId, PresenceUser user)
    {
        lock (_gate)
        {
            if (!_rooms.TryGetValue(roomSlug, out var connections))
            {
                _rooms[roomSlug] = connections = new Dictionary<string, PresenceUser>(StringComparer.Ordinal);
            }

            var isNew = !connections.Values.Any(u => u.Id == user.Id);
            connections[connectionId] = user;
            return Task.FromResult(isNew);
        }
    }

    public Task<bool> RemoveAsync(string roomSlug, string connectionId, string userId)
    {
        lock (_gate)
        {
            if (!_rooms.TryGetValue(roomSlug, out var connections) || !connections.Remove(connectionId))
            {
                return Task.FromResult(false);
            }

            if (connections.Count == 0)
            {
                _rooms.Remove(roomSlug);
            }

            return Task.FromResult(!connections.Values.Any(u => u.Id == userId));
        }
    }

    public Task<RoomPresence> GetAsync(string roomSlug)
    {
        lock (_gate)
        {
            return Task.FromResult(_rooms.TryGetValue(roomSlug, out var connections)
                ? PresenceSnapshot.Of(connections.Values)
                : RoomPresence.Empty);
        }
    }

    public Task<IReadOnlyCollection<string>> HeartbeatAsync(
        IReadOnlyCollection<(string RoomSlug, string ConnectionId, PresenceUser User)> local) =>
        Task.FromResult<IReadOnlyCollection<string>>([]);
}
