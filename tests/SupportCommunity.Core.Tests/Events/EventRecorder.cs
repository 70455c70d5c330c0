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

    public void Dispose() => _subscription.Dispose();
}
