using StackExchange.Redis;
using SupportCommunity.Benchmarks.Measurement;

namespace SupportCommunity.Benchmarks.Scenarios;

/// <summary>
/// The floor under a cross-node delivery: a raw Redis PUBLISH from one connection to a subscriber on another, with the
/// same body and the same fixed rate as the app's sends, timed from the intended publish time.
/// </summary>
public sealed class RedisRoundTrip : IAsyncDisposable
{
    private readonly ConnectionMultiplexer _publisher;
    private readonly ConnectionMultiplexer _subscriber;

    private RedisRoundTrip(ConnectionMultiplexer publisher, ConnectionMultiplexer subscriber)
    {
        _publisher = publisher;
        _subscriber = subscriber;
    }

    public static async Task<RedisRoundTrip> ConnectAsync(string connectionString) =>
        new(await ConnectionMultiplexer.ConnectAsync(connectionString), await ConnectionMultiplexer.ConnectAsync(connectionString));

    public async Task<BroadcastOutcome> MeasureAsync(double perSecond, TimeSpan duration, CancellationToken cancellationToken)
    {
        var probe = new LatencyProbe();
        var channel = RedisChannel.Literal("bench:roundtrip:" + Guid.NewGuid().ToString("N"));
        var subscription = await _subscriber.GetSubscriber().SubscribeAsync(channel);
        // The handler runs in order on the subscriber's own loop, as the app's bus subscriber does.
        subscription.OnMessage(message => probe.Observe(message.Message));
        try
        {
            var publisher = _publisher.GetSubscriber();
            return (await BroadcastRun.MeasureAsync(
                [new MemberGroup(probe, 1)], perSecond, duration,
                (run, ts) => publisher.PublishAsync(channel, Payload.Create(run, ts)), cancellationToken))[0];
        }
        finally
        {
            await subscription.UnsubscribeAsync();
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _publisher.DisposeAsync();
        await _subscriber.DisposeAsync();
    }
}
