using System.Collections.Concurrent;
using System.Diagnostics.CodeAnalysis;
using Microsoft.AspNetCore.SignalR;
using Microsoft.AspNetCore.SignalR.Protocol;

namespace SupportCommunity.Web.Realtime;

/// <summary>
/// The rooms of this node's hub connections, and the writes to them. Every node hears every room event on the event
/// bus, so each one writes the event to its own connections in the room: the message is serialized once, every
/// connection's write is started, and none is waited for. A client that stops reading its socket holds up only itself
/// (until <see cref="Security.SlowClientLimits.SendTimeout"/> closes it), on one node or several.
/// </summary>
/// <remarks>
/// SignalR's room groups would do the same on a single node, but through the Redis backplane a node writes what it
/// receives for a group one message at a time and waits for every connection of the group before the next: one
/// never-reading client paused its node's room for up to the send timeout, again after every reconnect. So rooms are
/// kept here, and everything else (users, desk, moderators, single connections) still goes through SignalR's manager
/// (<c>Inner</c>), backplane included. This class wraps that manager only to see the connections come and go: SignalR
/// gives the connection objects, which can be written to, to its lifetime manager alone.
/// </remarks>
public sealed partial class RoomFanOut(HubLifetimeManager<CommunityHub> inner, ILogger<RoomFanOut> logger) : HubLifetimeManager<CommunityHub>
{
    private readonly ConcurrentDictionary<string, Member> _members = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, ConcurrentDictionary<string, HubConnectionContext>> _rooms = new(StringComparer.Ordinal);

    /// <summary>Puts the connection in the room on this node. False if it was in it already or is gone.</summary>
    public bool Join(string connectionId, string roomSlug)
    {
        if (!_members.TryGetValue(connectionId, out var member))
        {
            return false;
        }

        lock (member)
        {
            if (member.Closed || member.Rooms?.Contains(roomSlug, StringComparer.Ordinal) == true)
            {
                return false;
            }

            (member.Rooms ??= new List<string>(1)).Add(roomSlug);
            _rooms.GetOrAdd(roomSlug, _ => new(StringComparer.Ordinal))[connectionId] = member.Connection;
            return true;
        }
    }

    /// <summary>Takes the connection out of the room on this node. False if it was not in it.</summary>
    public bool Leave(string connectionId, string roomSlug)
    {
        if (!_members.TryGetValue(connectionId, out var member))
        {
            return false;
        }

        lock (member)
        {
            if (member.Rooms?.Remove(roomSlug) != true)
            {
                return false;
            }

            RemoveFromRoom(connectionId, roomSlug);
            return true;
        }
    }

    /// <summary>Whether the connection joined the room (and has not left it).</summary>
    public bool IsIn(string connectionId, string roomSlug)
    {
        if (!_members.TryGetValue(connectionId, out var member))
        {
            return false;
        }

        lock (member)
        {
            return member.Rooms?.Contains(roomSlug, StringComparer.Ordinal) == true;
        }
    }

    /// <summary>The number of this node's connections in the room.</summary>
    public int CountIn(string roomSlug) => _rooms.TryGetValue(roomSlug, out var room) ? room.Count : 0;

    /// <summary>Writes <paramref name="method"/>(<paramref name="args"/>) to this node's connections in the room.</summary>
    public void Send(string roomSlug, string method, params object?[] args)
    {
        if (!_rooms.TryGetValue(roomSlug, out var room) || room.IsEmpty)
        {
            return;
        }

        Write(room.Values, roomSlug, method, args);
    }

    /// <summary>
    /// Writes <paramref name="method"/>(<paramref name="args"/>) to every connection on this node, in a room or not,
    /// without the backplane: for what each node tells its own clients, such as catching up after its Redis link
    /// came back, while the backplane may still be reconnecting.
    /// </summary>
    public void SendToEveryoneHere(string method, params object?[] args) =>
        Write(_members.Values.Select(m => m.Connection), "(every connection)", method, args);

    private void Write(IEnumerable<HubConnectionContext> connections, string to, string method, object?[] args)
    {
        var message = new SerializedHubMessage(new InvocationMessage(method, args));
        foreach (var connection in connections)
        {
            var write = connection.WriteAsync(message);
            if (!write.IsCompletedSuccessfully)
            {
                _ = ObserveAsync(write, connection.ConnectionId, to);
            }
        }
    }

    public override Task OnConnectedAsync(HubConnectionContext connection)
    {
        _members[connection.ConnectionId] = new Member(connection);
        return inner.OnConnectedAsync(connection);
    }

    public override Task OnDisconnectedAsync(HubConnectionContext connection)
    {
        if (_members.TryRemove(connection.ConnectionId, out var member))
        {
            lock (member)
            {
                member.Closed = true;
                foreach (var roomSlug in member.Rooms ?? [])
                {
                    RemoveFromRoom(connection.ConnectionId, roomSlug);
                }
            }
        }

        return inner.OnDisconnectedAsync(connection);
    }

    private void RemoveFromRoom(string connectionId, string roomSlug)
    {
        if (_rooms.TryGetValue(roomSlug, out var room) && room.TryRemove(connectionId, out _) && room.IsEmpty)
        {
            // Dropped only if still empty; a join meanwhile re-creates it.
            _rooms.TryRemove(new KeyValuePair<string, ConcurrentDictionary<string, HubConnectionContext>>(roomSlug, room));
        }
    }

    private async Task ObserveAsync(ValueTask write, string connectionId, string roomSlug)
    {
        try
        {
            await write;
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            WriteFailed(ex, connectionId, roomSlug);
        }
    }

    [LoggerMessage(Level = LogLevel.Debug, Message = "Writing a room event to connection {ConnectionId} in {Room} failed; it catches up on its next join")]
    private partial void WriteFailed(Exception exception, string connectionId, string room);

    /// <remarks>
    /// The rooms as a list made on the first join: a connection is in one room or a few (or none: the bell, the desk),
    /// and a list of one is a third of the smallest hash set (docs/performance.md, "Idle memory").
    /// </remarks>
    private sealed class Member(HubConnectionContext connection)
    {
        public HubConnectionContext Connection { get; } = connection;

        public List<string>? Rooms { get; set; }

        public bool Closed { get; set; }
    }

    // Everything else is SignalR's manager's.

    public override Task SendAllAsync(string methodName, object?[] args, CancellationToken cancellationToken = default) =>
        inner.SendAllAsync(methodName, args, cancellationToken);

    public override Task SendAllExceptAsync(string methodName, object?[] args, IReadOnlyList<string> excludedConnectionIds, CancellationToken cancellationToken = default) =>
        inner.SendAllExceptAsync(methodName, args, excludedConnectionIds, cancellationToken);

    public override Task SendConnectionAsync(string connectionId, string methodName, object?[] args, CancellationToken cancellationToken = default) =>
        inner.SendConnectionAsync(connectionId, methodName, args, cancellationToken);

    public override Task SendConnectionsAsync(IReadOnlyList<string> connectionIds, string methodName, object?[] args, CancellationToken cancellationToken = default) =>
        inner.SendConnectionsAsync(connectionIds, methodName, args, cancellationToken);

    public override Task SendGroupAsync(string groupName, string methodName, object?[] args, CancellationToken cancellationToken = default) =>
        inner.SendGroupAsync(groupName, methodName, args, cancellationToken);

    public override Task SendGroupsAsync(IReadOnlyList<string> groupNames, string methodName, object?[] args, CancellationToken cancellationToken = default) =>
        inner.SendGroupsAsync(groupNames, methodName, args, cancellationToken);

    public override Task SendGroupExceptAsync(string groupName, string methodName, object?[] args, IReadOnlyList<string> excludedConnectionIds, CancellationToken cancellationToken = default) =>
        inner.SendGroupExceptAsync(groupName, methodName, args, excludedConnectionIds, cancellationToken);

    public override Task SendUserAsync(string userId, string methodName, object?[] args, CancellationToken cancellationToken = default) =>
        inner.SendUserAsync(userId, methodName, args, cancellationToken);

    public override Task SendUsersAsync(IReadOnlyList<string> userIds, string methodName, object?[] args, CancellationToken cancellationToken = default) =>
        inner.SendUsersAsync(userIds, methodName, args, cancellationToken);

    public override Task AddToGroupAsync(string connectionId, string groupName, CancellationToken cancellationToken = default) =>
        inner.AddToGroupAsync(connectionId, groupName, cancellationToken);

    public override Task RemoveFromGroupAsync(string connectionId, string groupName, CancellationToken cancellationToken = default) =>
        inner.RemoveFromGroupAsync(connectionId, groupName, cancellationToken);

    public override Task<T> InvokeConnectionAsync<T>(string connectionId, string methodName, object?[] args, CancellationToken cancellationToken) =>
        inner.InvokeConnectionAsync<T>(connectionId, methodName, args, cancellationToken);

    public override Task SetConnectionResultAsync(string connectionId, CompletionMessage result) =>
        inner.SetConnectionResultAsync(connectionId, result);

    public override bool TryGetReturnType(string invocationId, [NotNullWhen(true)] out Type? type) =>
        inner.TryGetReturnType(invocationId, out type);
}
