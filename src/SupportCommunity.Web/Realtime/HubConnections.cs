using System.Collections.Concurrent;
using Microsoft.AspNetCore.SignalR;

namespace SupportCommunity.Web.Realtime;

/// <summary>
/// The hub connections open on this node, by user, so a sanction or a rights change can reach them: a room ban takes
/// them out of the room, a community ban closes them. Each node knows only its own; the event reaches every node.
/// (The rooms a connection joined are kept by <see cref="RoomFanOut"/>, which writes the rooms' events.)
/// </summary>
public sealed class HubConnections
{
    private readonly ConcurrentDictionary<string, ConcurrentDictionary<string, HubCallerContext>> _byUser = new(StringComparer.Ordinal);

    public void Add(string userId, HubCallerContext context) =>
        _byUser.GetOrAdd(userId, _ => new ConcurrentDictionary<string, HubCallerContext>(StringComparer.Ordinal))[context.ConnectionId] = context;

    public void Remove(string userId, string connectionId)
    {
        if (_byUser.TryGetValue(userId, out var connections)
            && connections.TryRemove(connectionId, out _)
            && connections.IsEmpty)
        {
            // Dropped only if still empty; a connection added meanwhile re-creates the entry.
            _byUser.TryRemove(new KeyValuePair<string, ConcurrentDictionary<string, HubCallerContext>>(userId, connections));
        }
    }

    /// <summary>The user's connections on this node.</summary>
    public IReadOnlyList<HubCallerContext> Of(string userId) =>
        _byUser.TryGetValue(userId, out var connections) ? [.. connections.Values] : [];
}
