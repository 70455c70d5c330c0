using System.Diagnostics;
using System.Threading.Channels;
using Microsoft.AspNetCore.Http.Connections;
using Microsoft.AspNetCore.SignalR;
using Microsoft.AspNetCore.SignalR.Client;
using SupportCommunity.Messages;
using SupportCommunity.Web.Realtime;

namespace SupportCommunity.Web.Tests.ScaleOut;

/// <summary>
/// A hub client that keeps one room's messages as docs/api.md "Staying consistent" tells clients to:
/// <list type="number">
/// <item>join with the last sequence it holds (0 the first time) and merge by sequence, keeping the higher revision;
/// while a catch-up says <c>hasMore</c>, join again after what it holds;</item>
/// <item>merge live events the same way, and when one lands past a gap, or the server sends <c>Resync</c>, join again
/// with the last sequence it holds;</item>
/// <item>when its connection closes, reconnect through the load balancer (<see cref="Cluster.PickNode"/>) and rejoin.</item>
/// </list>
/// It also sends, idempotently: a send whose connection failed is sent again with the same client message id.
/// Counters record what reached it and how, for the figures the fault tests print.
/// </summary>
public sealed class RoomReplica : IAsyncDisposable
{
    private static readonly TimeSpan CallTimeout = TimeSpan.FromSeconds(10);
    private static readonly TimeSpan ReconnectTimeout = TimeSpan.FromSeconds(20);
    private const int MaxSendAttempts = 10;

    private readonly Cluster _cluster;
    private readonly Lock _gate = new();
    private readonly SortedDictionary<long, MessageDto> _held = [];
    private readonly HashSet<long> _liveSeen = [];
    private readonly List<string> _nodes = [];
    private readonly List<string> _errors = [];
    private readonly Channel<bool> _catchUps =
        Channel.CreateBounded<bool>(new BoundedChannelOptions(1) { FullMode = BoundedChannelFullMode.DropWrite });

    private readonly List<Task> _reconnects = [];
    private readonly SemaphoreSlim _reconnecting = new(1, 1);
    private HubConnection? _connection;
    private Task _worker = Task.CompletedTask;
    private long _firstHeld = -1;
    private long _contiguous;
    private long _maxLiveSequence;
    private volatile bool _disposed;

    private RoomReplica(Cluster cluster, string name, string email, string room)
    {
        _cluster = cluster;
        Name = name;
        Email = email;
        Room = room;
    }

    public string Name { get; }

    public string Email { get; }

    public string Room { get; }

    public ScaleOutNode? Node { get; private set; }

    /// <summary>The nodes it was connected to, in order.</summary>
    public string NodesVisited
    {
        get
        {
            lock (_gate)
            {
                return string.Join("→", _nodes);
            }
        }
    }

    public IReadOnlyList<string> Errors
    {
        get
        {
            lock (_gate)
            {
                return [.. _errors];
            }
        }
    }

    /// <summary>The first sequence it holds: it joined with 0 and got the latest page, which starts here.</summary>
    public long FirstHeld
    {
        get
        {
            lock (_gate)
            {
                return _firstHeld;
            }
        }
    }

    /// <summary>The last sequence it holds with nothing missing before it: what it rejoins with.</summary>
    public long LastSequence
    {
        get
        {
            lock (_gate)
            {
                return _contiguous;
            }
        }
    }

    public int LiveReceived { get; private set; }

    public int LiveUpdated { get; private set; }

    /// <summary>Messages announced again after their author retried them (<c>MessageAnnouncedAgain</c>).</summary>
    public int AnnouncedAgain { get; private set; }

    /// <summary>The same new message pushed to one of its connections more than once.</summary>
    public int LiveDuplicates { get; private set; }

    /// <summary>New messages pushed after one with a higher sequence (SignalR does not promise order; merging fixes it).</summary>
    public int LiveOutOfOrder { get; private set; }

    public int CaughtUp { get; private set; }

    public int Joins { get; private set; }

    public int GapsNoticed { get; private set; }

    public int ResyncsReceived { get; private set; }

    public int Reconnects { get; private set; }

    public int Resets { get; private set; }

    /// <summary>Connects to <paramref name="node"/> and joins <paramref name="room"/> with 0.</summary>
    public static async Task<RoomReplica> StartAsync(Cluster cluster, string name, string email, string room, ScaleOutNode node)
    {
        var replica = new RoomReplica(cluster, name, email, room);
        replica._worker = Task.Run(replica.CatchUpLoopAsync);
        try
        {
            await replica.ConnectAsync(node);
        }
        catch
        {
            await replica.DisposeAsync();
            throw;
        }

        return replica;
    }

    /// <summary>What it holds now, in sequence order.</summary>
    public IReadOnlyList<MessageDto> Snapshot()
    {
        lock (_gate)
        {
            return [.. _held.Values];
        }
    }

    /// <summary>
    /// Sends a message and returns the acknowledged one. When the call fails (its node went away), waits for the
    /// reconnection and sends again with the same client message id, so the message is stored once. Without
    /// <paramref name="retryRefusals"/>, an answer from the server refusing the send (a <see cref="HubException"/>)
    /// is final.
    /// </summary>
    public async Task<SentMessage> SendAsync(string body, Guid? clientMessageId = null, bool retryRefusals = true)
    {
        var id = clientMessageId ?? Guid.NewGuid();
        var total = Stopwatch.StartNew();
        var errors = new List<string>();
        for (var attempt = 1; ; attempt++)
        {
            var connection = await ConnectedAsync();
            var call = Stopwatch.StartNew();
            try
            {
                var ack = await connection.InvokeAsync<MessageDto>("SendMessage", Room, id, body).WaitAsync(CallTimeout);
                return new SentMessage(Name, id, body, ack, call.Elapsed, total.Elapsed, attempt, errors);
            }
            catch (Exception ex) when (attempt < MaxSendAttempts && !_disposed && (retryRefusals || ex is not HubException))
            {
                errors.Add($"{ex.GetType().Name}: {ex.Message}");
                await AfterFailedCallAsync(connection);
            }
        }
    }

    public async Task<MessageDto> EditAsync(long messageId, string body) =>
        await (await ConnectedAsync()).InvokeAsync<MessageDto>("EditMessage", messageId, body).WaitAsync(CallTimeout);

    public async Task<MessageDto> DeleteAsync(long messageId) =>
        await (await ConnectedAsync()).InvokeAsync<MessageDto>("DeleteMessage", messageId).WaitAsync(CallTimeout);

    /// <summary>Any other hub call (moderation, sanctions), on the connection it holds now.</summary>
    public async Task<T> CallAsync<T>(string method, params object?[] args) =>
        await (await ConnectedAsync()).InvokeCoreAsync<T>(method, args).WaitAsync(CallTimeout);

    /// <summary>
    /// Drops its connection on purpose (a closed laptop, a network change) and connects to <paramref name="node"/>,
    /// rejoining with the last sequence it holds: what it missed meanwhile comes through the catch-up.
    /// </summary>
    public async Task ReconnectAsync(ScaleOutNode node)
    {
        // One at a time: two at once would leave a second connection in the room, pushing every message twice.
        await _reconnecting.WaitAsync();
        try
        {
            await ReplaceConnectionAsync(node);
        }
        finally
        {
            _reconnecting.Release();
        }
    }

    private async Task ReplaceConnectionAsync(ScaleOutNode node)
    {
        HubConnection? old;
        lock (_gate)
        {
            old = _connection;
            _connection = null; // its Closed handler then leaves the reconnection to us
        }

        if (old is not null)
        {
            await old.DisposeAsync();
        }

        await ConnectAsync(node);
        lock (_gate)
        {
            Reconnects++;
        }
    }

    /// <summary>True when it holds this message in this state (or a newer one).</summary>
    public bool Holds(MessageDto message)
    {
        lock (_gate)
        {
            return _held.TryGetValue(message.Sequence, out var held) && held.Id == message.Id && held.Revision >= message.Revision;
        }
    }

    /// <summary>True when the new message with this sequence was pushed to it live (not only caught up).</summary>
    public bool ReceivedLive(long sequence)
    {
        lock (_gate)
        {
            return _liveSeen.Contains(sequence);
        }
    }

    public async ValueTask DisposeAsync()
    {
        _disposed = true;
        _catchUps.Writer.TryComplete();
        HubConnection? connection;
        lock (_gate)
        {
            connection = _connection;
        }

        if (connection is not null)
        {
            await connection.DisposeAsync();
        }

        await _worker;
        Task[] reconnects;
        lock (_gate)
        {
            reconnects = [.. _reconnects];
        }

        await Task.WhenAll(reconnects);
    }

    public override string ToString() => Name;

    private async Task ConnectAsync(ScaleOutNode node)
    {
        var token = await _cluster.TokenAsync(Email);
        var connection = node.BuildHubConnection(token, HttpTransportType.WebSockets);
        // A duplicate is counted per connection: the server must not push one message twice to a connection. A client
        // that moves to another node may get there a message it already had live on the first one (each node delivers
        // the room's events as they reach it): it merges it by sequence, as the contract says.
        var seenHere = new HashSet<long>();
        connection.On<MessageDto>(nameof(ICommunityClient.MessageReceived), m => OnLive(m, created: true, seenHere: seenHere));
        connection.On<MessageDto>(nameof(ICommunityClient.MessageUpdated), m => OnLive(m, created: false));
        connection.On<MessageDto>(nameof(ICommunityClient.MessageAnnouncedAgain), m => OnLive(m, created: false, again: true));
        connection.On(nameof(ICommunityClient.Resync), OnResync);
        connection.Closed += error =>
        {
            // Reconnect off the connection's own close path.
            lock (_gate)
            {
                _reconnects.Add(Task.Run(() => OnClosedAsync(connection, error)));
            }

            return Task.CompletedTask;
        };
        try
        {
            await connection.StartAsync().WaitAsync(CallTimeout);
            await JoinAsync(connection);
            lock (_gate)
            {
                _connection = connection;
                Node = node;
                _nodes.Add(node.Name);
            }
        }
        catch
        {
            await connection.DisposeAsync();
            throw;
        }
    }

    private async Task JoinAsync(HubConnection connection)
    {
        long after;
        lock (_gate)
        {
            after = _firstHeld < 0 ? 0 : _contiguous;
        }

        var joined = await connection.InvokeAsync<JoinRoomResult>("JoinRoom", Room, after).WaitAsync(CallTimeout);
        bool gap;
        lock (_gate)
        {
            Joins++;
            if (joined.Reset)
            {
                // Too much missed to replay: the page replaces what it held.
                Resets++;
                _held.Clear();
                _firstHeld = -1;
            }

            if (_firstHeld < 0)
            {
                _firstHeld = joined.Messages.Count > 0 ? joined.Messages[0].Sequence : joined.Room.LastSequence + 1;
                _contiguous = _firstHeld - 1;
                foreach (var early in _held.Keys.Where(s => s < _firstHeld).ToList())
                {
                    _held.Remove(early);
                }
            }

            foreach (var message in joined.Messages)
            {
                MergeLocked(message);
            }

            CaughtUp += joined.Messages.Count;
            gap = AdvanceLocked();
        }

        // After a sequence, hasMore means the catch-up came in pages and more follow: ask again after what it holds now.
        // Or something newer arrived live while older messages are still on their way: look again.
        if ((after > 0 && !joined.Reset && joined.HasMore) || gap)
        {
            RequestCatchUp();
        }
    }

    private void OnLive(MessageDto message, bool created, bool again = false, HashSet<long>? seenHere = null)
    {
        if (message.RoomSlug != Room)
        {
            return;
        }

        bool gap;
        lock (_gate)
        {
            if (created)
            {
                LiveReceived++;
                _liveSeen.Add(message.Sequence);
                if (seenHere is not null && !seenHere.Add(message.Sequence))
                {
                    LiveDuplicates++;
                }

                if (message.Sequence < _maxLiveSequence)
                {
                    LiveOutOfOrder++;
                }

                _maxLiveSequence = Math.Max(_maxLiveSequence, message.Sequence);
            }
            else if (again)
            {
                AnnouncedAgain++;
                _liveSeen.Add(message.Sequence);
            }
            else
            {
                LiveUpdated++;
            }

            if (_firstHeld >= 0 && message.Sequence < _firstHeld)
            {
                return; // older than anything it shows
            }

            MergeLocked(message);
            gap = _firstHeld >= 0 && AdvanceLocked();
            if (gap)
            {
                GapsNoticed++;
            }
        }

        if (gap)
        {
            RequestCatchUp();
        }
    }

    private void OnResync()
    {
        lock (_gate)
        {
            ResyncsReceived++;
        }

        RequestCatchUp();
    }

    private void RequestCatchUp() => _catchUps.Writer.TryWrite(true);

    /// <summary>One catch-up at a time; requests made meanwhile fold into the next one.</summary>
    private async Task CatchUpLoopAsync()
    {
        await foreach (var _ in _catchUps.Reader.ReadAllAsync())
        {
            HubConnection? connection;
            lock (_gate)
            {
                connection = _connection;
            }

            if (connection is not { State: HubConnectionState.Connected })
            {
                continue; // the reconnection rejoins
            }

            try
            {
                await JoinAsync(connection);
            }
            catch (Exception ex)
            {
                // A catch-up cut short by the replica's disposal (its connection closing under the call) is no error.
                lock (_gate)
                {
                    if (!_disposed)
                    {
                        _errors.Add($"catch-up on {Node}: {ex.GetType().Name}: {ex.Message}");
                    }
                }
            }
        }
    }

    /// <summary>Its connection closed (its node stopped): reconnect through the load balancer and rejoin.</summary>
    private async Task OnClosedAsync(HubConnection closed, Exception? error)
    {
        ScaleOutNode? previous;
        lock (_gate)
        {
            if (_disposed || !ReferenceEquals(_connection, closed))
            {
                return;
            }

            _connection = null;
            previous = Node;
            _errors.Add($"connection to {previous} closed: {error?.Message ?? "closed by the server"}");
        }

        await closed.DisposeAsync();
        var deadline = DateTime.UtcNow + ReconnectTimeout;
        while (!_disposed)
        {
            try
            {
                await ConnectAsync(_cluster.PickNode(previous));
                lock (_gate)
                {
                    Reconnects++;
                }

                return;
            }
            catch (Exception ex) when (DateTime.UtcNow < deadline && !_disposed)
            {
                lock (_gate)
                {
                    _errors.Add($"reconnect: {ex.GetType().Name}: {ex.Message}");
                }

                await Task.Delay(TimeSpan.FromMilliseconds(250)); // the client's retry back-off
            }
        }
    }

    private async Task<HubConnection> ConnectedAsync()
    {
        HubConnection? current = null;
        await Eventually.HoldsAsync(
            () =>
            {
                lock (_gate)
                {
                    current = _connection;
                }

                return current is { State: HubConnectionState.Connected } || _disposed;
            },
            ReconnectTimeout,
            $"{Name} is connected");
        return current ?? throw new ObjectDisposedException(Name);
    }

    /// <summary>
    /// After a failed call: when the connection is going away, wait (up to a second) for it to be replaced, so that the
    /// retry goes to the node the client reconnects to rather than failing again at once on the closing one.
    /// </summary>
    private async Task AfterFailedCallAsync(HubConnection failed)
    {
        try
        {
            await Eventually.HoldsAsync(
                () =>
                {
                    lock (_gate)
                    {
                        return _disposed || (_connection is { State: HubConnectionState.Connected } current && !ReferenceEquals(current, failed));
                    }
                },
                TimeSpan.FromSeconds(1),
                "reconnected");
        }
        catch (TimeoutException)
        {
            // Still on the same connection: the retry goes there.
        }
    }

    private void MergeLocked(MessageDto message)
    {
        if (_held.TryGetValue(message.Sequence, out var held) && held.Revision >= message.Revision)
        {
            return;
        }

        _held[message.Sequence] = message;
    }

    /// <summary>Moves the contiguous mark forward; true when it holds something past a gap.</summary>
    private bool AdvanceLocked()
    {
        while (_held.ContainsKey(_contiguous + 1))
        {
            _contiguous++;
        }

        return _held.Count > 0 && _held.Keys.Max() > _contiguous;
    }
}

/// <summary>An acknowledged send: the stored message, how long the acknowledging call took and how many tries it needed.</summary>
public sealed record SentMessage(
    string Sender,
    Guid ClientMessageId,
    string Body,
    MessageDto Ack,
    TimeSpan CallLatency,
    TimeSpan TotalLatency,
    int Attempts,
    IReadOnlyList<string> Errors)
{
    public string Phase { get; init; } = "";

    /// <summary>Its place in its sender's steady stream (1, 2, 3…), where each send waited for the one before; 0 for others.</summary>
    public int Ordinal { get; init; }
}
