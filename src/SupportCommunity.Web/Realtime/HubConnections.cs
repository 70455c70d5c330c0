using System.Collections.Concurrent;
using Microsoft.AspNetCore.SignalR;

namespace SupportCommunity.Web.Realtime;

/// <summary>
/// The hub connections open on this node, by user, so a sanction can reach them: a room ban takes them out of the
/// room's group, a community ban closes them. Each node knows only its own; the sanction event reaches every node.
/// Also what the hub keeps per connection (the rooms it joined), here rather than in the connection's
/// <c>Items</c>, a concurrent dictionary of about half a kilobyte per connection (docs/performance.md, "Idle memory").
/// </summary>
public sealed class HubConnections
{
    private readonly ConcurrentDictionary<string, ConcurrentDictionary<string, Connection>> _byUser = new(StringComparer.Ordinal);

    public void Add(string userId, HubCallerContext context) =>
        _byUser.GetOrAdd(userId, _ => new ConcurrentDictionary<string, Connection>(StringComparer.Ordinal))[context.ConnectionId] = new Connection(context);

    public void Remove(string userId, string connectionId)
    {
        if (_byUser.TryGetValue(userId, out var connections)
            && connections.TryRemove(connectionId, out _)
            && connections.IsEmpty)
        {
            // Dropped only if still empty; a connection added meanwhile re-creates the entry.
            _byUser.TryRemove(new KeyValuePair<string, ConcurrentDictionary<string, Connection>>(userId, connections));
        }
    }

    /// <summary>The user's connections on this node.</summary>
    public IReadOnlyList<HubCallerContext> Of(string userId) =>
        _byUser.TryGetValue(userId, out var connections) ? [.. connections.Values.Select(c => c.Context)] : [];

    /// <summary>Records that an open connection joined a room; false when it had already.</summary>
    public bool Join(string userId, string connectionId, string roomSlug)
    {
        var joined = Find(userId, connectionId).JoinedRooms ??= new List<string>(1);
        if (joined.Contains(roomSlug, StringComparer.Ordinal))
        {
            return false;
        }

        joined.Add(roomSlug);
        return true;
    }

    /// <summary>Records that an open connection left a room; false when it was not in it.</summary>
    public bool Leave(string userId, string connectionId, string roomSlug) =>
        Find(userId, connectionId).JoinedRooms?.Remove(roomSlug) == true;

    public bool HasJoined(string userId, string connectionId, string roomSlug) =>
        Find(userId, connectionId).JoinedRooms?.Contains(roomSlug, StringComparer.Ordinal) == true;

    private Connection Find(string userId, string connectionId) =>
        _byUser.TryGetValue(userId, out var connections) && connections.TryGetValue(connectionId, out var connection)
            ? connection
            : throw new InvalidOperationException("The hub connection is not registered: its OnConnected did not complete.");

    /// <remarks>
    /// The joined rooms are touched only by the connection's own hub calls, which SignalR runs one at a time. A list:
    /// a connection is in one room or a few, and a list of one is a third of the smallest hash set.
    /// </remarks>
    private sealed class Connection(HubCallerContext context)
    {
        public HubCallerContext Context { get; } = context;

        /// <summary>Made on the first join: a connection that joins no room (the bell, the desk) needs none.</summary>
        public List<string>? JoinedRooms { get; set; }
    }
}
