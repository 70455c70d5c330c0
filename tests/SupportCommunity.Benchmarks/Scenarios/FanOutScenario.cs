using Microsoft.AspNetCore.SignalR.Client;
using SupportCommunity.Benchmarks.Hosting;
using SupportCommunity.Benchmarks.Measurement;
using SupportCommunity.Benchmarks.Reporting;
using SupportCommunity.Web.Realtime;

namespace SupportCommunity.Benchmarks.Scenarios;

/// <summary>
/// One sender to N room members at a fixed rate, latency from each message's intended send time to its arrival at
/// every member: over the app's hub (send, commit, ack, fan-out) and over a bare hub that only broadcasts, with the same
/// N, rate and payload. Target (design.md §6): app p99 at most 1.3x bare.
/// </summary>
public sealed class FanOutScenario : IScenario
{
    private const string Room = "general";
    private const double Target = 1.3;
    private const double WarmDeliveriesPerSecond = 4_000;
    private const double MaxWarmRate = 400;

    public string Name => "fan-out";

    public string Title => "Fan-out latency, one sender to N members at a fixed rate, vs a bare hub";

    public async Task RunAsync(ScenarioContext context, ScenarioResult result, CancellationToken cancellationToken)
    {
        var sizes = context.Sizes;
        await using var app = AppNode.Start(context.NewFolder("fanout"));
        await using var bare = await BareHubServer.StartAsync();

        foreach (var (members, duration) in sizes.FanOutSteps)
        {
            var (appRun, bareRun, appAck, bareAck) = await MeasureAsync(context, app, bare, members, duration, cancellationToken);
            context.Log($"N={members}: app p50 {appRun.Latency.P50:0.0} p99 {appRun.Latency.P99:0.0} max {appRun.Latency.Max:0.0} ms "
                        + $"({appRun.Delivered}/{appRun.Expected}); bare p50 {bareRun.Latency.P50:0.0} p99 {bareRun.Latency.P99:0.0} "
                        + $"max {bareRun.Latency.Max:0.0} ms ({bareRun.Delivered}/{bareRun.Expected})");

            result.Add(new Figure($"N={members} p50", "ms", appRun.Latency.P50, "bare hub", bareRun.Latency.P50));
            result.Add(new Figure($"N={members} p99", "ms", appRun.Latency.P99, "bare hub", bareRun.Latency.P99));
            result.Add(new Figure($"N={members} max", "ms", appRun.Latency.Max, "bare hub", bareRun.Latency.Max));
            result.Add(new Figure($"N={members} sender's ack p50", "ms", appAck.P50, "bare hub", bareAck.P50));
            var ratio = appRun.Latency.P99 / bareRun.Latency.P99;
            result.Check($"N={members}: p99 <= {Target}x bare hub", $"{ratio:0.00}x ({appRun.Latency.P99:0.0} ms vs {bareRun.Latency.P99:0.0} ms)", ratio <= Target);
            result.Check($"N={members}: every message reaches every member",
                $"app {appRun.Delivered}/{appRun.Expected} delivered, {appRun.FailedSends} failed sends; bare {bareRun.Delivered}/{bareRun.Expected}",
                appRun.Lost == 0 && appRun.FailedSends == 0 && bareRun.Lost == 0);
        }

        result.Note($"{sizes.FanOutRate:0} msg/s; per side {string.Join(", ", sizes.FanOutSteps.Select(s => $"{s.Duration.TotalSeconds:0.#} s at N={s.Members}"))}, in {sizes.FanOutRounds} rounds taken in turns "
                    + "(app and bare members connected throughout), after a warm-up of both sides in turns until the runtime compiles almost nothing more; a full GC before every round; "
                    + $"bodies of {Payload.Size} characters; latency from the intended send time (no coordinated omission).");
        result.Note("App latency includes the durable write (the app fans out only after commit); the bare hub has no database. "
                    + "Members and sender run in the benchmark process beside both servers, on the same cores, for both sides alike.");
    }

    private static async Task<(BroadcastOutcome App, BroadcastOutcome Bare, LatencySummary AppAck, LatencySummary BareAck)> MeasureAsync(
        ScenarioContext context, AppNode app, BareHubServer bare, int members, TimeSpan duration, CancellationToken cancellationToken)
    {
        var sizes = context.Sizes;
        var group = BareHub.Group(Room);
        var appProbe = new LatencyProbe();
        var bareProbe = new LatencyProbe();
        var appMembers = await RoomMembers.JoinAppAsync(app, Room, members, appProbe, cancellationToken);
        var bareMembers = await RoomMembers.JoinBareAsync(bare, group, members, bareProbe, cancellationToken);
        await using var appSender = await RoomMembers.StartAppSenderAsync(app, cancellationToken);
        await using var bareSender = await RoomMembers.StartBareSenderAsync(bare, cancellationToken);
        try
        {
            EnsureAll(appMembers, members, "app");
            EnsureAll(bareMembers, members, "bare hub");
            // The sender's ack, timed like the deliveries: the app acknowledges after commit, the bare hub after its
            // group send, so the difference to the delivery times is the fan-out's own share.
            var messages = (int)(sizes.FanOutRate * duration.TotalSeconds) + 16;
            var appAcks = new LatencyRecorder(messages);
            var bareAcks = new LatencyRecorder(messages);
            var measuring = false;
            async Task AppSend(string run, long ts)
            {
                await RoomMembers.AppSend(appSender, Room, run, ts, cancellationToken);
                if (measuring)
                {
                    appAcks.Record(ts);
                }
            }

            async Task BareSend(string run, long ts)
            {
                await RoomMembers.BareSend(bareSender, group, run, ts, cancellationToken);
                if (measuring)
                {
                    bareAcks.Record(ts);
                }
            }

            Task<IReadOnlyList<BroadcastOutcome>> Round(LatencyProbe probe, Func<string, long, Task> send, TimeSpan duration, double rate) =>
                BroadcastRun.MeasureAsync([new MemberGroup(probe, members)], rate, duration, send, cancellationToken);

            // The warm-up sends faster where the room is small, so the send path runs often enough to be compiled
            // optimized within a few slices (N=10: about 6 s at 400 msg/s); a method is compiled again only after it
            // has run a number of times, which 20 msg/s to 10 members takes long to reach.
            var warmRate = Math.Clamp(WarmDeliveriesPerSecond / members, sizes.FanOutRate, MaxWarmRate);
            var warm = await JitWarmup.RunAsync(
                async slice =>
                {
                    await Round(bareProbe, BareSend, slice, warmRate);
                    await Round(appProbe, AppSend, slice, warmRate);
                },
                sizes.WarmupSlice,
                sizes.WarmupMaximum);
            context.Log($"N={members} warm-up, both sides: {warm}");
            measuring = true;

            // Rounds in turns, alternating who goes first, so drift on a shared machine falls on both sides alike.
            var round = duration / sizes.FanOutRounds;
            var appRounds = new List<BroadcastOutcome>();
            var bareRounds = new List<BroadcastOutcome>();
            for (var r = 0; r < sizes.FanOutRounds; r++)
            {
                if (r % 2 == 0)
                {
                    bareRounds.Add((await Round(bareProbe, BareSend, round, sizes.FanOutRate))[0]);
                    appRounds.Add((await Round(appProbe, AppSend, round, sizes.FanOutRate))[0]);
                }
                else
                {
                    appRounds.Add((await Round(appProbe, AppSend, round, sizes.FanOutRate))[0]);
                    bareRounds.Add((await Round(bareProbe, BareSend, round, sizes.FanOutRate))[0]);
                }
            }

            return (BroadcastOutcome.Merge(appRounds), BroadcastOutcome.Merge(bareRounds), appAcks.Summarize(), bareAcks.Summarize());
        }
        finally
        {
            await HubClients.DisposeAllAsync(appMembers.Connections.Concat(bareMembers.Connections));
        }
    }

    private static void EnsureAll(ConnectResult joined, int members, string side)
    {
        if (joined.Failures > 0)
        {
            throw new InvalidOperationException($"{joined.Failures} of {members} {side} members could not join: {joined.FirstError}");
        }
    }
}
