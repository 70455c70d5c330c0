using SupportCommunity.Benchmarks.Hosting;
using SupportCommunity.Benchmarks.Measurement;
using SupportCommunity.Benchmarks.Reporting;
using SupportCommunity.Web.Realtime;

namespace SupportCommunity.Benchmarks.Scenarios;

/// <summary>
/// Two app nodes on one database and one Redis (the scale-out set-up of ADR-0005): a sender on node A, members on A
/// and on B. The baseline is what the parts cost on their own, measured in the same run: the bare hub's latency with
/// the same members, rate and payload, plus a raw Redis PUBLISH→subscriber round trip. design.md sets no ratio here.
/// </summary>
public sealed class CrossNodeScenario : IScenario
{
    private const string Room = "general";

    public string Name => "cross-node";

    public string Title => "Cross-node latency through Redis vs bare hub + raw Redis pub/sub";

    public async Task RunAsync(ScenarioContext context, ScenarioResult result, CancellationToken cancellationToken)
    {
        var sizes = context.Sizes;
        var folder = context.NewFolder("crossnode");
        await using var redis = await RedisServer.StartAsync();
        var settings = new Dictionary<string, string?>
        {
            ["ConnectionStrings:Redis"] = redis.Endpoint,
            ["Redis:ChannelPrefix"] = "bench-" + Guid.NewGuid().ToString("N")[..8],
            // The backplane logs the throwaway Redis going away at the end as an error. Anything lost while measuring
            // is counted by the scenario itself.
            ["Logging:LogLevel:Microsoft.AspNetCore.SignalR.StackExchangeRedis"] = "Critical",
        };

        // Node A starts first, so it migrates and seeds; B finds the database ready, as in a rolling deployment.
        await using var nodeA = AppNode.Start(folder, settings);
        await using var nodeB = AppNode.Start(folder, settings);
        await using var bare = await BareHubServer.StartAsync();
        await using var roundTrip = await RedisRoundTrip.ConnectAsync(redis.Endpoint);

        var members = sizes.CrossNodeMembersPerNode;
        var probeA = new LatencyProbe();
        var probeB = new LatencyProbe();
        var bareProbe = new LatencyProbe();
        var group = BareHub.Group(Room);
        var onA = await RoomMembers.JoinAppAsync(nodeA, Room, members, probeA, cancellationToken);
        var onB = await RoomMembers.JoinAppAsync(nodeB, Room, members, probeB, cancellationToken, offset: 3);
        var onBare = await RoomMembers.JoinBareAsync(bare, group, 2 * members, bareProbe, cancellationToken);
        await using var sender = await RoomMembers.StartAppSenderAsync(nodeA, cancellationToken);
        await using var bareSender = await RoomMembers.StartBareSenderAsync(bare, cancellationToken);
        try
        {
            if (onA.Failures + onB.Failures + onBare.Failures > 0)
            {
                throw new InvalidOperationException($"Members could not join: {onA.FirstError ?? onB.FirstError ?? onBare.FirstError}");
            }

            var rate = sizes.FanOutRate;
            Task<IReadOnlyList<BroadcastOutcome>> App(TimeSpan d) => BroadcastRun.MeasureAsync(
                [new MemberGroup(probeA, members), new MemberGroup(probeB, members)], rate, d,
                (run, ts) => RoomMembers.AppSend(sender, Room, run, ts, cancellationToken), cancellationToken);
            Task<IReadOnlyList<BroadcastOutcome>> Bare(TimeSpan d) => BroadcastRun.MeasureAsync(
                [new MemberGroup(bareProbe, 2 * members)], rate, d,
                (run, ts) => RoomMembers.BareSend(bareSender, group, run, ts, cancellationToken), cancellationToken);

            var warm = await JitWarmup.RunAsync(
                async slice =>
                {
                    await App(slice);
                    await Bare(slice);
                    await roundTrip.MeasureAsync(rate, slice, cancellationToken);
                },
                sizes.WarmupSlice,
                sizes.WarmupMaximum);
            context.Log($"warm-up, all three: {warm}");

            var a = new List<BroadcastOutcome>();
            var b = new List<BroadcastOutcome>();
            var bareRounds = new List<BroadcastOutcome>();
            var redisRounds = new List<BroadcastOutcome>();
            var round = sizes.CrossNodeDuration / sizes.FanOutRounds;
            for (var r = 0; r < sizes.FanOutRounds; r++)
            {
                var app = await App(round);
                a.Add(app[0]);
                b.Add(app[1]);
                bareRounds.Add((await Bare(round))[0]);
                redisRounds.Add(await roundTrip.MeasureAsync(rate, round, cancellationToken));
            }

            var onNodeA = BroadcastOutcome.Merge(a);
            var onNodeB = BroadcastOutcome.Merge(b);
            var bareHub = BroadcastOutcome.Merge(bareRounds);
            var pubSub = BroadcastOutcome.Merge(redisRounds);
            context.Log($"node A p50 {onNodeA.Latency.P50:0.0} p99 {onNodeA.Latency.P99:0.0}; node B p50 {onNodeB.Latency.P50:0.0} p99 {onNodeB.Latency.P99:0.0}; "
                        + $"bare p50 {bareHub.Latency.P50:0.0} p99 {bareHub.Latency.P99:0.0}; redis p50 {pubSub.Latency.P50:0.00} p99 {pubSub.Latency.P99:0.00} ms");

            const string baseline = "bare hub + raw Redis pub/sub";
            result.Add(new Figure($"members on node B ({members}), p50", "ms", onNodeB.Latency.P50, baseline, bareHub.Latency.P50 + pubSub.Latency.P50));
            result.Add(new Figure($"members on node B ({members}), p99", "ms", onNodeB.Latency.P99, baseline, bareHub.Latency.P99 + pubSub.Latency.P99));
            result.Add(new Figure($"members on node A ({members}), p50", "ms", onNodeA.Latency.P50, baseline, bareHub.Latency.P50 + pubSub.Latency.P50));
            result.Add(new Figure($"members on node A ({members}), p99", "ms", onNodeA.Latency.P99, baseline, bareHub.Latency.P99 + pubSub.Latency.P99));
            // The parts on their own, as absolute figures.
            result.Add(new Figure($"part: bare hub, {2 * members} members, p50", "ms", bareHub.Latency.P50));
            result.Add(new Figure($"part: bare hub, {2 * members} members, p99", "ms", bareHub.Latency.P99));
            result.Add(new Figure("part: raw Redis PUBLISH→subscriber, p50", "ms", pubSub.Latency.P50));
            result.Add(new Figure("part: raw Redis PUBLISH→subscriber, p99", "ms", pubSub.Latency.P99));
            result.Check("every message reaches every member on both nodes",
                $"A {onNodeA.Delivered}/{onNodeA.Expected}, B {onNodeB.Delivered}/{onNodeB.Expected}, {onNodeA.FailedSends} failed sends",
                onNodeA.Lost == 0 && onNodeB.Lost == 0 && onNodeA.FailedSends == 0);
            result.Note($"Two app nodes in this process on one SQLite file and a redis-server of their own; {members} members on each node, the sender on A; "
                        + $"{rate:0} msg/s for {sizes.CrossNodeDuration.TotalSeconds:0.#} s in {sizes.FanOutRounds} rounds, each followed by a bare-hub and a raw-Redis round. "
                        + "The baseline adds the two parts' percentiles (an upper bound of their combination's). Members on A also hear through Redis: "
                        + "the backplane publishes every group send and each node delivers what it receives.");
        }
        finally
        {
            await HubClients.DisposeAllAsync(onA.Connections.Concat(onB.Connections).Concat(onBare.Connections));
        }
    }
}
