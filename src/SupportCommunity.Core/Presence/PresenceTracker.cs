using SupportCommunity.Events;
using SupportCommunity.Identity;

namespace SupportCommunity.Presence;

/// <summary>
/// Who is online in each room on this node, counted per connection (a hub connection or a browser circuit), so
/// a user with two tabs leaves only when both close. Publishes <see cref="PresenceChanged"/> when the set of users changes.
/// </summary>
public sealed class PresenceTracker(IRoomEventBus bus)
{
    /// <summary>How many users a presence snapshot names; the count is always exact.</summary>
    public const int SampleSize = 50;

    private readonly Dictionary<string, RoomState> _rooms = new(StringComparer.Ordinal);
    private readonly Dictionary<string, HashSet<string>> _roomsByConnection = new(StringComparer.Ordinal);
    private readonly Lock _gate = new();

    public async Task<RoomPresence> EnterAsync(string roomSlug, string connectionId, PresenceUser user)
    {
        RoomPresence snapshot;
        bool changed;
        lock (_gate)
        {
            if (!_rooms.TryGetValue(roomSlug, out var room))
            {
                _rooms[roomSlug] = room = new RoomState();
            }

            if (!_roomsByConnection.TryGetValue(connectionId, out var joined))
            {
                _roomsByConnection[connectionId] = joined = new HashSet<string>(StringComparer.Ordinal);
            }

            changed = joined.Add(roomSlug) && room.Add(user);
            snapshot = room.Snapshot();
        }

        if (changed)
        {
            await bus.PublishAsync(new PresenceChanged(roomSlug, snapshot));
        }

        return snapshot;
    }

    public Task LeaveAsync(string roomSlug, string connectionId, string userId) =>
        LeaveRoomsAsync(connectionId, userId, roomSlug);

    /// <summary>For a closed connection: leaves every room it was in.</summary>
    public Task LeaveAllAsync(string connectionId, string userId) => LeaveRoomsAsync(connectionId, userId, roomSlug: null);

    public RoomPresence Get(string roomSlug)
    {
        lock (_gate)
        {
            return _rooms.TryGetValue(roomSlug, out var room) ? room.Snapshot() : RoomPresence.Empty;
        }
    }

    private async Task LeaveRoomsAsync(string connectionId, string userId, string? roomSlug)
    {
        var changes = new List<PresenceChanged>();
        lock (_gate)
        {
            if (!_roomsByConnection.TryGetValue(connectionId, out var joined))
            {
                return;
            }

            foreach (var slug in roomSlug is null ? [.. joined] : joined.Contains(roomSlug) ? [roomSlug] : Array.Empty<string>())
            {
                joined.Remove(slug);
                var room = _rooms[slug];
                if (room.Remove(userId))
                {
                    changes.Add(new PresenceChanged(slug, room.Snapshot()));
                }

                if (room.IsEmpty)
                {
                    _rooms.Remove(slug);
                }
            }

            if (joined.Count == 0)
            {
                _roomsByConnection.Remove(connectionId);
            }
        }

        foreach (var change in changes)
        {
            await bus.PublishAsync(change);
        }
    }

    private sealed class RoomState
    {
        private readonly Dictionary<string, (PresenceUser User, int Connections)> _users = new(StringComparer.Ordinal);
        private RoomPresence? _snapshot;

        public bool IsEmpty => _users.Count == 0;

        /// <summary>True when the user was not here before.</summary>
        public bool Add(PresenceUser user)
        {
            var isNew = !_users.TryGetValue(user.Id, out var entry);
            _users[user.Id] = (user, entry.Connections + 1);
            if (isNew)
            {
                _snapshot = null;
            }

            return isNew;
        }

        /// <summary>True when the user's last connection left.</summary>
        public bool Remove(string userId)
        {
            if (!_users.TryGetValue(userId, out var entry))
            {
                return false;
            }

            if (entry.Connections > 1)
            {
                _users[userId] = (entry.User, entry.Connections - 1);
                return false;
            }

            _users.Remove(userId);
            _snapshot = null;
            return true;
        }

        public RoomPresence Snapshot() => _snapshot ??= new RoomPresence(
            _users.Count,
            [.. _users.Values
                .Select(e => e.User)
                .OrderBy(u => CommunityRoles.Rank(u.Role))
                .ThenBy(u => u.Name, StringComparer.CurrentCultureIgnoreCase)
                .Take(SampleSize)]);
    }
}
