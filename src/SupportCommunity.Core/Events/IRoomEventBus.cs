namespace SupportCommunity.Events;

/// <summary>
/// Carries room events from the feature services to their listeners: the hub notifier and the live components.
/// It is a fast hint, not the record: the database is, and clients catch up from it.
/// </summary>
public interface IRoomEventBus
{
    /// <summary>Hands the event to every subscriber. Never waits for a subscriber to handle it.</summary>
    ValueTask PublishAsync(RoomEvent roomEvent, CancellationToken cancellationToken = default);

    /// <summary>
    /// Calls <paramref name="handler"/> for each event of one room, or of every room when <paramref name="roomSlug"/>
    /// is null, one event at a time and in publish order. Dispose the result to stop.
    /// </summary>
    IDisposable Subscribe(string? roomSlug, Func<RoomEvent, Task> handler);
}
