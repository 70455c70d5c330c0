using System.Diagnostics;
using System.Globalization;
using System.Net;
using Microsoft.Extensions.DependencyInjection;
using SupportCommunity.Events;
using SupportCommunity.Messages;
using SupportCommunity.Web.Tests.Integration;
using Xunit.Abstractions;
using static SupportCommunity.Web.Tests.Integration.Accounts;

namespace SupportCommunity.Web.Tests.ScaleOut;

/// <summary>
/// Redis stops under the nodes and comes back (each test runs its own redis-server). Sends keep committing and are
/// acknowledged; fan-out across nodes stops; when Redis returns, clients that follow docs/api.md catch up.
/// </summary>
[Collection(ScaleOutTests.Name)]
public sealed class RedisOutageTests(ITestOutputHelper output) : IAsyncLifetime
{
    private static readonly TimeSpan CatchUpPromise = TimeSpan.FromSeconds(10);
    private static readonly TimeSpan SendPromise = TimeSpan.FromSeconds(2);

    private RedisServer _redis = null!;
    private Cluster _cluster = null!;

    public async Task InitializeAsync()
    {
        _redis = await RedisServer.StartAsync();
        _cluster = await Cluster.StartAsync(_redis.Endpoint);
    }

    public async Task DisposeAsync()
    {
        await _cluster.DisposeAsync();
        await _redis.DisposeAsync();
    }

    [Fact]
    public async Task Health_RedisStoppedThenRestarted_HealthyThenDegradedThenHealthyAgain()
    {
        foreach (var node in new[] { _cluster.A, _cluster.B })
        {
            var up = await Scenario.ReadHealthAsync(node);
            Assert.Equal(HttpStatusCode.OK, up.StatusCode);
            Assert.Equal(("Healthy", "Healthy", "Healthy"), (up.Status, up.Redis, up.Database));
        }

        await _redis.StopAsync();

        foreach (var node in new[] { _cluster.A, _cluster.B })
        {
            Health? down = null;
            await Eventually.HoldsAsync(
                async () => (down = await Scenario.ReadHealthAsync(node)).Redis == "Degraded",
                TimeSpan.FromSeconds(10),
                $"node {node} reports Redis Degraded");
            output.WriteLine($"node {node} while Redis is down: {(int)down!.StatusCode} {down.Json}");
            // Degraded, not Unhealthy: the node still serves (200), so a load balancer keeps sending it traffic.
            Assert.Equal(HttpStatusCode.OK, down.StatusCode);
            Assert.Equal(("Degraded", "Healthy"), (down.Status, down.Database));
        }

        await _redis.RestartAsync();

        foreach (var node in new[] { _cluster.A, _cluster.B })
        {
            Health? back = null;
            var took = await Eventually.HoldsAsync(
                async () => (back = await Scenario.ReadHealthAsync(node)).Status == "Healthy",
                TimeSpan.FromSeconds(15),
                $"node {node} reports Healthy again");
            output.WriteLine($"node {node} Healthy again {took.TotalMilliseconds:0} ms after the check began: {back!.Json}");
            Assert.Equal(HttpStatusCode.OK, back.StatusCode);
            Assert.Equal(("Healthy", "Healthy"), (back.Redis, back.Database));
        }
    }

    [Fact]
    public async Task SendMessage_DuringRedisOutage_EachAcknowledgedWithinTwoSecondsAndStoredOnce()
    {
        await using var onA = await _cluster.A.ConnectAsync(Customer);
        await using var onB = await _cluster.B.ConnectAsync(Member);
        await onA.JoinRoomAsync(General);
        await onB.JoinRoomAsync(General);
        using var restOnB = await _cluster.B.CreateApiClientAsync(Customer2);

        await _redis.StopAsync();

        // From the first instant of the outage (before the nodes may even have noticed) and on, both nodes, hub and REST.
        var acked = new List<(string Via, MessageDto Message, TimeSpan Took)>();
        for (var round = 1; round <= 8; round++)
        {
            var calls = new (string Via, Func<Task<MessageDto>> Send)[]
            {
                ("hub on A", () => onA.SendAsync(General, $"outage send {round} via A")),
                ("hub on B", () => onB.SendAsync(General, $"outage send {round} via B")),
                ("REST on B", () => restOnB.SendAsync(General, $"outage send {round} via REST")),
            };
            var results = await Task.WhenAll(calls.Select(async call =>
            {
                var clock = Stopwatch.StartNew();
                var message = await call.Send();
                return (call.Via, message, clock.Elapsed);
            }));
            acked.AddRange(results);
        }

        var slowest = acked.MaxBy(a => a.Took);
        output.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"{acked.Count} sends acknowledged during the outage; slowest {slowest.Took.TotalMilliseconds:0} ms ({slowest.Via}); " +
            $"mean {acked.Average(a => a.Took.TotalMilliseconds):0} ms"));
        Assert.All(acked, a => Assert.True(a.Took < SendPromise, $"{a.Via} took {a.Took.TotalMilliseconds:0} ms"));
        Assert.False(await _redis.PingAsync(), "Redis came back during the test: the sends were not made during an outage.");

        // Committed: the database holds each one exactly once, with the acknowledged id and sequence.
        var stored = await Scenario.ReadStoredRoomAsync(_cluster, General);
        foreach (var (via, message, _) in acked)
        {
            Assert.Equal(message, Assert.Single(stored, m => m.ClientMessageId == message.ClientMessageId));
        }

        Assert.Equal(acked.Count, acked.Select(a => a.Message.Sequence).Distinct().Count());
    }

    [Fact]
    public async Task Presence_RedisRestartsEmpty_UsersOfBothNodesAreOnlineAgainWithoutRejoining()
    {
        await using var onA = await _cluster.A.ConnectAsync(Customer);
        await using var onB = await _cluster.B.ConnectAsync(Manager);
        await onA.JoinRoomAsync(Feedback);
        var before = await onB.JoinRoomAsync(Feedback);
        Assert.Contains(before.Online.Users, u => u.Name == "Jordan Lee");

        // No persistence: Redis comes back empty, and the nodes' heartbeats write their connections again.
        await _redis.StopAsync();
        await _redis.RestartAsync();
        var restarted = Stopwatch.StartNew();

        using var redisClient = await StackExchange.Redis.ConnectionMultiplexer.ConnectAsync(_redis.Endpoint);
        var took = await Eventually.HoldsAsync(
            async () =>
            {
                var users = await redisClient.GetDatabase().HashValuesAsync($"{_cluster.Prefix}:presence:{Feedback}:users");
                return users.Any(u => u.ToString().Contains("\tJordan Lee\t", StringComparison.Ordinal))
                    && users.Any(u => u.ToString().Contains("\tMaya Chen\t", StringComparison.Ordinal));
            },
            TimeSpan.FromSeconds(10),
            "both nodes wrote their users' presence into the restarted Redis");
        output.WriteLine($"presence back in Redis {restarted.ElapsedMilliseconds} ms after the restart (polled for {took.TotalMilliseconds:0} ms)");

        // Seen from a new client on either node, without anyone joining again.
        foreach (var node in new[] { _cluster.A, _cluster.B })
        {
            await using var look = await node.ConnectAsync(Agent);
            var online = (await look.JoinRoomAsync(Feedback)).Online.Users;
            Assert.Contains(online, u => u.Name == "Jordan Lee");
            Assert.Contains(online, u => u.Name == "Maya Chen");
        }
    }

    [Fact]
    public async Task SteadyTraffic_RedisStoppedAndRestarted_EveryClientEndsWithTheStoredRoomNothingLostDuplicatedOrReordered()
    {
        var clients = await Scenario.StartClientsAsync(_cluster, General,
            ("jordan@A", Customer, _cluster.A), ("casey@A", Customer2, _cluster.A), ("alex@A(reader)", Admin, _cluster.A),
            ("priya@B", Member, _cluster.B), ("theo@B", Moderator, _cluster.B), ("maya@B(reader)", Manager, _cluster.B));
        try
        {
            // Two senders per node, 5 messages/s each: 20 messages/s in all, ~4 s per phase.
            const int PerPhase = 80;
            var senders = clients.Where(c => !c.Name.Contains("reader", StringComparison.Ordinal)).ToList();
            await using var traffic = Traffic.Start(senders, TimeSpan.FromMilliseconds(200));
            var phaseTimeout = TimeSpan.FromSeconds(20);

            await traffic.WaitForMoreAcksAsync(PerPhase, phaseTimeout);

            traffic.Phase = "outage";
            await _redis.StopAsync();
            var outage = Stopwatch.StartNew();
            await traffic.WaitForMoreAcksAsync(PerPhase, phaseTimeout);

            traffic.Phase = "after";
            var ackedBeforeRestart = traffic.Acked;
            await _redis.RestartAsync();
            var restarted = Stopwatch.StartNew();
            output.WriteLine($"Redis down for {outage.ElapsedMilliseconds} ms; {ackedBeforeRestart.Count} sends acknowledged before it came back");

            // The promise: within 10 s of Redis returning, every client holds everything acknowledged before.
            var caughtUp = await Eventually.HoldsAsync(
                () => clients.All(c => ackedBeforeRestart.All(s => c.Holds(s.Ack))),
                CatchUpPromise,
                "every client holds every message acknowledged before Redis came back");
            output.WriteLine($"every client held every message acknowledged before the restart {caughtUp.TotalMilliseconds:0} ms after it");
            await Eventually.HoldsAsync(
                () => _cluster.A.Redis.IsConnected && _cluster.B.Redis.IsConnected, TimeSpan.FromSeconds(10), "both nodes reconnected to Redis");
            output.WriteLine($"both nodes connected to Redis again within {restarted.ElapsedMilliseconds} ms of the restart");

            await traffic.WaitForMoreAcksAsync(PerPhase, phaseTimeout);
            await traffic.StopAsync();

            await Scenario.FinishAsync(output, _cluster, General, clients, traffic, "Redis stopped and restarted under steady traffic");

            // Sends keep being acknowledged at the first try, and the outage does not slow them down.
            Assert.All(traffic.Acked, s => Assert.Equal(1, s.Attempts));
            Assert.All(
                traffic.Acked.Where(s => s.Phase == "outage"),
                s => Assert.True(s.CallLatency < SendPromise, $"{s.Body} took {s.CallLatency.TotalMilliseconds:0} ms"));
        }
        finally
        {
            await Scenario.DisposeAllAsync(clients);
        }
    }

    [Fact]
    public async Task CatchUp_OnOneNode_ReachesEveryNodesClientsWithRedisUp_AndItsOwnWhileTheBackplaneIsDown()
    {
        var clients = await Scenario.StartClientsAsync(_cluster, Billing, ("jordan@A", Customer, _cluster.A), ("priya@B", Member, _cluster.B));
        var (onA, onB) = (clients[0], clients[1]);
        var busOfA = _cluster.A.Services.GetRequiredService<InProcessRoomEventBus>();
        try
        {
            // Only node A's links dropped (a network blip between A and Redis): B's clients may have missed A's events
            // although B's own links never dropped, so B never raises a catch-up of its own. A's client hears it twice:
            // from its node, and through the backplane.
            await busOfA.PublishAsync(new CatchUpRequested());
            await Eventually.HoldsAsync(
                () => onA.ResyncsReceived == 2 && onB.ResyncsReceived == 1, CatchUpPromise, "the clients on both nodes got a Resync");

            // A node has two links to Redis, the event bus's and the backplane's, which come back each on its own
            // schedule. The first one back asks the node's listeners to catch up while the other is still down.
            await _redis.StopAsync();
            await Eventually.HoldsAsync(
                () => !_cluster.A.Redis.IsConnected && !_cluster.B.Redis.IsConnected, CatchUpPromise, "both nodes noticed Redis is down");
            await busOfA.PublishAsync(new CatchUpRequested());

            await Eventually.HoldsAsync(() => onA.ResyncsReceived == 3, CatchUpPromise, "node A's client got a Resync with the backplane down");
            Assert.Equal(1, onB.ResyncsReceived);
        }
        finally
        {
            await Scenario.DisposeAllAsync(clients);
        }
    }

    [Fact]
    public async Task QuietRoom_RedisRestartedAfterSendsEditsAndDeletesDuringOutage_ResyncBringsEveryClientUpToDate()
    {
        var clients = await Scenario.StartClientsAsync(_cluster, Billing,
            ("jordan@A", Customer, _cluster.A), ("alex@A(reader)", Admin, _cluster.A),
            ("priya@B", Member, _cluster.B), ("maya@B(reader)", Manager, _cluster.B));
        try
        {
            var jordan = clients[0];
            var priya = clients[2];
            var toEdit = (await jordan.SendAsync("My invoice shows the wrong VAT number.")).Ack;
            var toDelete = (await priya.SendAsync("Here is my card number: (oops)")).Ack;
            await Eventually.HoldsAsync(
                () => clients.All(c => c.Holds(toEdit) && c.Holds(toDelete)), CommunityAppFactory.Timeout, "everyone holds the first messages");

            await _redis.StopAsync();
            var sent = new List<SentMessage>();
            for (var i = 1; i <= 3; i++)
            {
                sent.Add(await jordan.SendAsync($"while Redis is down {i} (A)") with { Ordinal = i });
                sent.Add(await priya.SendAsync($"while Redis is down {i} (B)") with { Ordinal = i });
            }

            var edited = await jordan.EditAsync(toEdit.Id, "My invoice shows the wrong VAT number (FR, not DE).");
            var deleted = await priya.DeleteAsync(toDelete.Id);
            Assert.True(deleted.Deleted);

            // Each node's own members keep hearing what is said on that node: a node writes its room events to its
            // connections itself (RoomFanOut), with or without Redis. Only the other node's messages wait for Redis.
            var (alex, maya) = (clients[1], clients[3]);
            await Eventually.HoldsAsync(
                () => sent.Where(s => s.Body.EndsWith("(A)", StringComparison.Ordinal)).All(s => alex.ReceivedLive(s.Ack.Sequence))
                      && sent.Where(s => s.Body.EndsWith("(B)", StringComparison.Ordinal)).All(s => maya.ReceivedLive(s.Ack.Sequence)),
                CommunityAppFactory.Timeout,
                "each node's reader heard its own node's messages live during the outage");
            Assert.False(await _redis.PingAsync(), "Redis came back before the outage's changes were made.");

            // Nothing else is sent: only the server's Resync can tell the clients what they missed.
            await _redis.RestartAsync();
            var restarted = Stopwatch.StartNew();
            var stored = await Scenario.ReadStoredRoomAsync(_cluster, Billing);
            Assert.Contains(edited, stored);
            Assert.Contains(deleted, stored);

            TimeSpan? took = null;
            try
            {
                took = await Eventually.HoldsAsync(
                    () => Consistency.ClientsMatch(stored, clients), CatchUpPromise, "every client holds the stored room");
            }
            catch (TimeoutException ex)
            {
                output.WriteLine(ex.Message);
            }

            var report = Consistency.Measure(stored, sent.Count, sent, clients);
            report.Print(output, "quiet room: sends, an edit and a deletion while Redis was down");
            output.WriteLine(took is { } t
                ? $"every client matched the stored room {t.TotalMilliseconds:0} ms after Redis came back"
                : "clients did NOT match the stored room in time");
            report.AssertNothingLostDuplicatedOrReordered();
            Assert.NotNull(took);

            // Each node tells its own clients once its own links to Redis are back, which can be after they already
            // match the room (a clean-clone run: node B's clients had caught up by their gaps 11 ms after the restart,
            // before B's links reconnected and sent them their Resync).
            try
            {
                await Eventually.HoldsAsync(() => clients.All(c => c.ResyncsReceived > 0), CatchUpPromise, "every client got a Resync");
            }
            catch (TimeoutException ex)
            {
                output.WriteLine(ex.Message);
            }

            Assert.All(clients, c => Assert.True(c.ResyncsReceived > 0, $"{c.Name} got no Resync"));
            Assert.All(clients, c => Assert.Null(c.Snapshot().Single(m => m.Id == deleted.Id).Body));
            Assert.True(restarted.Elapsed < CatchUpPromise + TimeSpan.FromSeconds(5));
        }
        finally
        {
            await Scenario.DisposeAllAsync(clients);
        }
    }
}
