namespace SupportCommunity.Events;

/// <summary>
/// Carries room events from the feature services to their listeners: the hub notifier and the live components.
/// It is a fast hint, not the record: the database is, and clients catch up from it.
/// </summary>
public interface IRoomEventBus
{
    /// <summary>Hands the event to every subscriber, on every node. Never waits for a subscriber to handle it.</summary>
    ValueTask PublishAsync(RoomEvent roomEvent, CancellationToken cancellationToken = default);

    /// <summary>
    /// Calls <paramref name="handler"/> for each event of one room, or of every room when <paramref name="roomSlug"/>
    /// is null, one event at a time and in publish order. <see cref="CatchUpRequested"/> reaches every subscriber.
    /// Dispose the result to stop.
    /// </summary>
    IDisposable Subscribe(string? roomSlug, Func<RoomEvent, Task> handler, EventScope scope = EventScope.AllNodes);
}

public enum EventScope
{
    /// <summary>Events published on any node.</summary>
    AllNodes,

    /// <summary>
    /// Only events published on this node: for work to be done once per event whatever the number of nodes, such as
    /// creating the notifications a message calls for.
    /// </summary>
    ThisNode,
}
