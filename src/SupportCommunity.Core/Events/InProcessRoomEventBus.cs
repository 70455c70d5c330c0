using System.Collections.Immutable;
using System.Threading.Channels;
using Microsoft.Extensions.Logging;

namespace SupportCommunity.Events;

/// <summary>
/// The single-node bus, and the local half of the Redis bus. Each subscriber has its own queue and pump, so a slow
/// subscriber (a component busy rendering) delays only itself, and the publisher returns at once.
/// </summary>
public sealed partial class InProcessRoomEventBus(ILogger<InProcessRoomEventBus> logger) : IRoomEventBus
{
    private ImmutableArray<Subscription> _subscriptions = [];

    public ValueTask PublishAsync(RoomEvent roomEvent, CancellationToken cancellationToken = default)
    {
        Deliver(roomEvent, fromOtherNode: false);
        return ValueTask.CompletedTask;
    }

    public IDisposable Subscribe(string? roomSlug, Func<RoomEvent, Task> handler, EventScope scope = EventScope.AllNodes)
    {
        var subscription = new Subscription(this, roomSlug, scope, handler);
        ImmutableInterlocked.Update(ref _subscriptions, (list, s) => list.Add(s), subscription);
        subscription.Start();
        return subscription;
    }

    /// <summary>Queues the event for every local subscriber it concerns.</summary>
    internal void Deliver(RoomEvent roomEvent, bool fromOtherNode)
    {
        foreach (var subscription in _subscriptions)
        {
            if (fromOtherNode && subscription.Scope == EventScope.ThisNode)
            {
                continue;
            }

            if (subscription.RoomSlug is null
                || subscription.RoomSlug == roomEvent.RoomSlug
                || roomEvent is CatchUpRequested)
            {
                subscription.Queue.Writer.TryWrite(roomEvent);
            }
        }
    }

    private void Remove(Subscription subscription) =>
        ImmutableInterlocked.Update(ref _subscriptions, (list, s) => list.Remove(s), subscription);

    [LoggerMessage(Level = LogLevel.Error, Message = "A room event subscriber failed on {EventType}")]
    private partial void SubscriberFailed(Exception exception, string eventType);

    private sealed class Subscription(InProcessRoomEventBus bus, string? roomSlug, EventScope scope, Func<RoomEvent, Task> handler)
        : IDisposable
    {
        public string? RoomSlug { get; } = roomSlug;

        public EventScope Scope { get; } = scope;

        public Channel<RoomEvent> Queue { get; } =
            Channel.CreateUnbounded<RoomEvent>(new UnboundedChannelOptions { SingleReader = true });

        public void Start() => _ = Task.Run(PumpAsync);

        private async Task PumpAsync()
        {
            await foreach (var roomEvent in Queue.Reader.ReadAllAsync())
            {
                try
                {
                    await handler(roomEvent);
                }
                catch (Exception ex)
                {
                    bus.SubscriberFailed(ex, roomEvent.GetType().Name);
                }
            }
        }

        public void Dispose()
        {
            bus.Remove(this);
            Queue.Writer.TryComplete();
        }
    }
}
