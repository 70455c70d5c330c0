using System.Diagnostics;
using System.Globalization;
using Xunit.Abstractions;
using static SupportCommunity.Web.Tests.Integration.Accounts;

namespace SupportCommunity.Web.Tests.ScaleOut;

/// <summary>
/// Redis goes down and comes back every 5 s, four times, while members on both nodes chat. The database is the truth:
/// sends keep committing; each time Redis returns, both nodes reconnect by themselves (no restart) and live fan-out
/// across nodes works again; in the end every client holds exactly the stored room.
/// </summary>
[Collection(ScaleOutTests.Name)]
public sealed class RedisFlappingTests(ITestOutputHelper output) : IAsyncLifetime
{
    private const int Cycles = 4;
    private static readonly TimeSpan Half = TimeSpan.FromSeconds(5);
    private static readonly TimeSpan SendPromise = TimeSpan.FromSeconds(2);
    private static readonly TimeSpan RecoveryPromise = TimeSpan.FromSeconds(10);

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
    public async Task SteadyTraffic_RedisDownAndUpEveryFiveSeconds_SendsCommitNodesRecoverEachTimeAndClientsEndWithTheStoredRoom()
    {
        var clients = await Scenario.StartClientsAsync(_cluster, General,
            ("jordan@A", Customer, _cluster.A), ("casey@A", Customer2, _cluster.A), ("alex@A(reader)", Admin, _cluster.A),
            ("priya@B", Member, _cluster.B), ("theo@B", Moderator, _cluster.B), ("maya@B(reader)", Manager, _cluster.B));
        try
        {
            var senders = clients.Where(c => !c.Name.Contains("reader", StringComparison.Ordinal)).ToList();
            var readerOnA = clients.Single(c => c.Name == "alex@A(reader)");
            var readerOnB = clients.Single(c => c.Name == "maya@B(reader)");
            // Edits ride the same fan-out and can be missed the same way: one member per node keeps editing notes of
            // their own (not part of the traffic's figures) all through the flapping.
            var editors = new[] { clients.Single(c => c.Name == "jordan@A"), clients.Single(c => c.Name == "priya@B") };
            var notes = new List<(RoomReplica Editor, long Id)>();
            foreach (var editor in editors)
            {
                for (var i = 1; i <= 3; i++)
                {
                    notes.Add((editor, (await editor.SendAsync($"{editor.Name} note {i}")).Ack.Id));
                }
            }

            // Two senders per node, 5 messages/s each.
            await using var traffic = Traffic.Start(senders, TimeSpan.FromMilliseconds(200));
            using var stopEditing = new CancellationTokenSource();
            var editFailures = new List<string>();
            var edits = 0;
            var editing = Task.Run(async () =>
            {
                using var timer = new PeriodicTimer(TimeSpan.FromMilliseconds(150));
                for (var n = 0; await WaitTick(timer, stopEditing.Token); n++)
                {
                    var (editor, id) = notes[n % notes.Count];
                    try
                    {
                        await editor.EditAsync(id, $"{editor.Name} note edited {n} ({traffic.Phase})");
                        Interlocked.Increment(ref edits);
                    }
                    catch (Exception ex)
                    {
                        lock (editFailures)
                        {
                            editFailures.Add($"edit {n} by {editor.Name}: {ex.GetType().Name}: {ex.Message}");
                        }
                    }
                }
            });
            var phaseTimeout = TimeSpan.FromSeconds(20);
            await traffic.WaitForMoreAcksAsync(40, phaseTimeout);

            var cycles = new List<string>();
            for (var cycle = 1; cycle <= Cycles; cycle++)
            {
                // Down for 5 s: sends keep being acknowledged (stored), whatever Redis does.
                var down = $"down {cycle}";
                traffic.Phase = down;
                await _redis.StopAsync();
                var downClock = Stopwatch.StartNew();
                await Eventually.HoldsAsync(
                    () => !_cluster.A.Redis.IsConnected && !_cluster.B.Redis.IsConnected, RecoveryPromise, "both nodes noticed Redis is down");
                await Eventually.HoldsAsync(
                    () => downClock.Elapsed >= Half && traffic.Acked.Count(s => s.Phase == down) >= 40,
                    phaseTimeout,
                    $"5 s of outage with at least 40 sends acknowledged in it ({traffic.Acked.Count(s => s.Phase == down)} so far)");
                Assert.False(await _redis.PingAsync(), "Redis came back by itself during the outage.");
                var ackedBeforeRestart = traffic.Acked;
                var downFor = downClock.Elapsed;

                // Up for 5 s: both nodes reconnect on their own, and a message sent on one node reaches the other live.
                var up = $"up {cycle}";
                traffic.Phase = up;
                await _redis.RestartAsync();
                var upClock = Stopwatch.StartNew();
                var connected = await Eventually.HoldsAsync(
                    () => _cluster.A.Redis.IsConnected && _cluster.B.Redis.IsConnected, RecoveryPromise, $"both nodes reconnected to Redis ({up})");
                var caughtUp = await Eventually.HoldsAsync(
                    () => clients.All(c => ackedBeforeRestart.All(s => c.Holds(s.Ack))),
                    RecoveryPromise,
                    $"every client holds every message acknowledged before Redis came back ({up})");
                var liveAcross = await Eventually.HoldsAsync(
                    () => LiveAcross(traffic, up, from: _cluster.A, readerOnB) && LiveAcross(traffic, up, from: _cluster.B, readerOnA),
                    RecoveryPromise,
                    $"a message sent on each node after the restart reached the other node's reader live ({up})");
                await Eventually.HoldsAsync(() => upClock.Elapsed >= Half, phaseTimeout, "5 s up");

                var line = string.Create(CultureInfo.InvariantCulture,
                    $"cycle {cycle}: down {downFor.TotalMilliseconds:0} ms, {ackedBeforeRestart.Count(s => s.Phase == down)} sends acknowledged while down " +
                    $"(slowest {ackedBeforeRestart.Where(s => s.Phase == down).Max(s => s.CallLatency.TotalMilliseconds):0} ms); after the restart: " +
                    $"nodes connected in {connected.TotalMilliseconds:0} ms, clients caught up in {caughtUp.TotalMilliseconds:0} ms, " +
                    $"live across nodes again in {liveAcross.TotalMilliseconds:0} ms");
                cycles.Add(line);
                output.WriteLine(line);
            }

            traffic.Phase = "after";
            await traffic.WaitForMoreAcksAsync(40, phaseTimeout);
            await stopEditing.CancelAsync();
            await editing;
            await traffic.StopAsync();
            output.WriteLine($"{edits} edits of {notes.Count} notes made meanwhile, {editFailures.Count} failed");
            foreach (var failure in editFailures)
            {
                output.WriteLine(failure);
            }

            var report = await Scenario.FinishAsync(output, _cluster, General, clients, traffic, $"Redis down and up every 5 s, {Cycles} times");
            output.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"figures: sent {report.Sent}, acknowledged {report.Acked}, lost {report.Lost}, duplicated {report.Duplicated}, reordered {report.Reordered}, " +
                $"resyncs {string.Join(", ", clients.Select(c => $"{c.Name} {c.ResyncsReceived}"))}, " +
                $"gaps noticed {clients.Sum(c => c.GapsNoticed)}, sends that needed a retry {traffic.Acked.Count(s => s.Attempts > 1)}"));

            // Nobody reconnected: the nodes and their hub connections lived through every outage.
            Assert.All(clients, c => Assert.Equal((0, c.Node!.Name), (c.Reconnects, c.NodesVisited)));
            // Every outage was followed by at least one Resync to every client.
            Assert.Empty(editFailures);
            Assert.All(clients, c => Assert.True(c.ResyncsReceived >= Cycles, $"{c.Name} got {c.ResyncsReceived} Resyncs for {Cycles} outages"));
            Assert.All(
                traffic.Acked.Where(s => s.Phase.StartsWith("down", StringComparison.Ordinal)),
                s => Assert.True(s.CallLatency < SendPromise, $"{s.Body} took {s.CallLatency.TotalMilliseconds:0} ms"));
        }
        finally
        {
            await Scenario.DisposeAllAsync(clients);
        }
    }

    private static async Task<bool> WaitTick(PeriodicTimer timer, CancellationToken stop)
    {
        try
        {
            return await timer.WaitForNextTickAsync(stop);
        }
        catch (OperationCanceledException)
        {
            return false;
        }
    }

    /// <summary>A message sent through <paramref name="from"/> in <paramref name="phase"/> was pushed live to <paramref name="reader"/>.</summary>
    private static bool LiveAcross(Traffic traffic, string phase, ScaleOutNode from, RoomReplica reader) =>
        traffic.Acked.Any(s => s.Phase == phase && s.Sender.EndsWith("@" + from.Name, StringComparison.Ordinal) && reader.ReceivedLive(s.Ack.Sequence));
}
