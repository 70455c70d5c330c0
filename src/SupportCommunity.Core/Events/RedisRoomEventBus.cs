using System.Text.Json;
using Microsoft.Extensions.Logging;
using StackExchange.Redis;

namespace SupportCommunity.Events;

/// <summary>
/// The bus across nodes: local subscribers get local events at once, and every event also goes out on one Redis
/// pub/sub channel to the other nodes. Redis pub/sub drops what is sent while a node is cut off, so when the link
/// comes back the bus raises <see cref="CatchUpRequested"/> and listeners catch up from the database.
/// </summary>
public sealed partial class RedisRoomEventBus : IRoomEventBus, IDisposable
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    private readonly IConnectionMultiplexer _redis;
    private readonly InProcessRoomEventBus _local;
    private readonly RedisChannel _channel;
    private readonly string _nodeId = Guid.NewGuid().ToString("N");
    private readonly ILogger<RedisRoomEventBus> _logger;

    public RedisRoomEventBus(
        IConnectionMultiplexer redis, string channelPrefix, InProcessRoomEventBus local, ILogger<RedisRoomEventBus> logger)
    {
        _redis = redis;
        _local = local;
        _logger = logger;
        _channel = RedisChannel.Literal(channelPrefix + ":room-events");
        _redis.GetSubscriber().Subscribe(_channel, (_, value) => Receive(value));
        _redis.ConnectionRestored += OnConnectionRestored;
    }

    public ValueTask PublishAsync(RoomEvent roomEvent, CancellationToken cancellationToken = default)
    {
        _local.Deliver(roomEvent, fromOtherNode: false);
        if (_redis.IsConnected)
        {
            var envelope = JsonSerializer.Serialize(new Envelope(_nodeId, roomEvent), Json);
            // Fire and forget, and not even the write awaited: a send is acknowledged after commit, never after the
            // other nodes heard of it. (The synchronous Publish can block its caller, here the writer's ack, while the
            // link is congested or dead but not yet seen to be; the asynchronous one queues behind it in order.)
            var written = _redis.GetSubscriber().PublishAsync(_channel, envelope, CommandFlags.FireAndForget);
            if (!written.IsCompletedSuccessfully)
            {
                _ = ObserveAsync(written);
            }
        }

        return ValueTask.CompletedTask;
    }

    private async Task ObserveAsync(Task written)
    {
        try
        {
            await written;
        }
        catch (Exception ex) when (ex is RedisException or ObjectDisposedException)
        {
            // The other nodes catch up when the link is back (CatchUpRequested).
            PublishFailed(ex);
        }
    }

    public IDisposable Subscribe(string? roomSlug, Func<RoomEvent, Task> handler, EventScope scope = EventScope.AllNodes) =>
        _local.Subscribe(roomSlug, handler, scope);

    private void Receive(RedisValue value)
    {
        try
        {
            var envelope = JsonSerializer.Deserialize<Envelope>(value.ToString(), Json);
            if (envelope is not null && envelope.Node != _nodeId)
            {
                _local.Deliver(envelope.Event with { FromOtherNode = true }, fromOtherNode: true);
            }
        }
        catch (JsonException ex)
        {
            UnreadableEvent(ex);
        }
    }

    private void OnConnectionRestored(object? sender, ConnectionFailedEventArgs e)
    {
        if (e.ConnectionType == ConnectionType.Subscription)
        {
            LinkRestored();
            _local.Deliver(new CatchUpRequested(), fromOtherNode: false);
        }
    }

    public void Dispose()
    {
        _redis.ConnectionRestored -= OnConnectionRestored;
        try
        {
            _redis.GetSubscriber().Unsubscribe(_channel, flags: CommandFlags.FireAndForget);
        }
        catch (Exception ex) when (ex is RedisException or ObjectDisposedException)
        {
            // Shutting down while Redis is away: nothing left to unsubscribe from.
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Ignored an unreadable room event from Redis")]
    private partial void UnreadableEvent(Exception exception);

    [LoggerMessage(Level = LogLevel.Debug, Message = "A room event could not be written to Redis; other nodes catch up when the link is back")]
    private partial void PublishFailed(Exception exception);

    [LoggerMessage(Level = LogLevel.Information, Message = "Redis pub/sub is back; asking listeners to catch up")]
    private partial void LinkRestored();

    private sealed record Envelope(string Node, RoomEvent Event);
}
