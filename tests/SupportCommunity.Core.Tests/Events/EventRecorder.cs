using System.Threading.Channels;
using SupportCommunity.Events;

namespace SupportCommunity.Core.Tests.Events;

/// <summary>Records what a bus subscription receives, so a test awaits the next event instead of sleeping.</summary>
public sealed class EventRecorder : IDisposable
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(10);
    private readonly Channel<RoomEvent> _events = Channel.CreateUnbounded<RoomEvent>();
    private readonly IDisposable _subscription;

    public EventRecorder(IRoomEventBus bus, string? roomSlug = null) =>
        _subscription = bus.Subscribe(roomSlug, e => _events.Writer.WriteAsync(e).AsTask());

    public async Task<T> NextAsync<T>() where T : RoomEvent =>
        Assert.IsType<T>(await _events.Reader.ReadAsync().AsTask().WaitAsync(Timeout));

    public async Task<RoomEvent> NextAsync() => await _events.Reader.ReadAsync().AsTask().WaitAsync(Timeout);

    /// <summary>
    /// Whether an event arrives within <paramref name="wait"/>: for a test that something is NOT delivered, after a
    /// barrier subscription has shown the event was (a delivery takes microseconds; the wait is a wide margin).
    /// </summary>
    public async Task<bool> ReceivesWithinAsync(TimeSpan wait)
    {
        using var timeout = new CancellationTokenSource(wait);
        try
        {
            return await _events.Reader.WaitToReadAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            return false;
        }
    }

    public void Dispose() => _subscription.Dispose();
}
