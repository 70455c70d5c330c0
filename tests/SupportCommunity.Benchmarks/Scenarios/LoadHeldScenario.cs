using System.Globalization;
using Microsoft.AspNetCore.SignalR.Client;
using SupportCommunity.Benchmarks.Hosting;
using SupportCommunity.Benchmarks.Measurement;
using SupportCommunity.Benchmarks.Reporting;

namespace SupportCommunity.Benchmarks.Scenarios;

/// <summary>
/// How many room members one node holds: members are added step by step, spread over the demo rooms, each room with a
/// sender at a fixed rate; a step is held while delivery p99 stays under 500 ms and errors (failed joins and sends,
/// lost deliveries) under 0.025%. Reports the highest step held. Target (design.md §6): 5,000 members.
/// </summary>
public sealed class LoadHeldScenario : IScenario
{
    private const double P99LimitMs = 500;
    private const double ErrorLimit = 0.00025;
    private const int TargetMembers = 5_000;
    private static readonly string[] Rooms = ["general", "billing", "feedback"];
    private static readonly string[] Senders = ["manager@demo.test", "agent@demo.test", "admin@demo.test"];

    public string Name => "load-held";

    public string Title => "Members held on one node at p99 < 500 ms and errors < 0.025%, stepped up";

    public async Task RunAsync(ScenarioContext context, ScenarioResult result, CancellationToken cancellationToken)
    {
        var sizes = context.Sizes;
        await using var app = AppNode.Start(context.NewFolder("load"));
        var probes = Rooms.Select(_ => new LatencyProbe()).ToArray();
        var members = Rooms.Select(_ => new List<HubConnection>()).ToArray();
        var senders = new List<HubConnection>();
        try
        {
            foreach (var email in Senders)
            {
                var sender = await app.CreateConnectionAsync(email);
                senders.Add(sender);
                await sender.StartAsync(cancellationToken);
            }

            var held = 0;
            var first = true;
            foreach (var level in sizes.LoadSteps)
            {
                var joinFailures = 0;
                var joinsTried = 0;
                for (var r = 0; r < Rooms.Length; r++)
                {
                    // Spread evenly: room r gets every third member.
                    var target = (level / Rooms.Length) + (r < level % Rooms.Length ? 1 : 0);
                    var more = target - members[r].Count;
                    if (more <= 0)
                    {
                        continue;
                    }

                    var joined = await RoomMembers.JoinAppAsync(app, Rooms[r], more, probes[r], cancellationToken, offset: members[r].Count);
                    members[r].AddRange(joined.Connections);
                    joinFailures += joined.Failures;
                    joinsTried += more;
                }

                if (first)
                {
                    await MeasureStepAsync(probes, members, senders, sizes.LoadRatePerRoom, sizes.LoadStepWarmup, cancellationToken);
                    first = false;
                }

                var step = await MeasureStepAsync(probes, members, senders, sizes.LoadRatePerRoom, sizes.LoadStepDuration, cancellationToken);
                var attempts = step.Expected + step.Sends + joinsTried;
                var errors = step.Lost + step.FailedSends + joinFailures;
                var errorRate = attempts == 0 ? 0 : (double)errors / attempts;
                var ok = step.Latency.P99 < P99LimitMs && errorRate < ErrorLimit;
                var connected = members.Sum(m => m.Count);
                context.Log($"{level,6} members ({connected} connected): p50 {step.Latency.P50:0.0} p99 {step.Latency.P99:0.0} max {step.Latency.Max:0.0} ms, "
                            + $"{step.Delivered}/{step.Expected} delivered, {step.FailedSends} failed sends, {joinFailures} failed joins "
                            + $"-> {(ok ? "held" : "NOT held")}");
                result.Add(new Figure($"{level:#,0} members: delivery p99", "ms", step.Latency.P99));
                result.Add(new Figure($"{level:#,0} members: errors", "%", errorRate * 100));
                if (!ok)
                {
                    result.Note(string.Create(CultureInfo.InvariantCulture,
                        $"{level:#,0} members not held: p99 {step.Latency.P99:0} ms, errors {errorRate:0.####%} ({step.Lost} lost deliveries, {step.FailedSends} failed sends, {joinFailures} failed joins)."));
                    break;
                }

                held = level;
            }

            result.Add(new Figure("members held", "members", held));
            // Smoke sizes cannot reach the real target; there the top step stands in for it.
            var goal = context.Options.Smoke ? sizes.LoadSteps[^1] : TargetMembers;
            result.Check($"holds {goal:#,0} members at p99 < {P99LimitMs:0} ms and errors < {ErrorLimit:0.###%}",
                held == sizes.LoadSteps[^1] ? $"{held:#,0} held (the top step tried)" : $"{held:#,0} held", held >= goal);
            result.Note($"Members spread evenly over {string.Join(", ", Rooms)}; each room has a staff sender at {sizes.LoadRatePerRoom:0} msg/s on a fixed schedule; "
                        + $"{sizes.LoadStepDuration.TotalSeconds:0.#} s per step; members stay connected from step to step. Latency from intended send time "
                        + "to delivery at each member. Members and senders run in the benchmark process, beside the node, on the same cores.");
        }
        finally
        {
            await HubClients.DisposeAllAsync(members.SelectMany(m => m).Concat(senders));
        }
    }

    /// <summary>Every room's sender at once, one fixed-rate run per room; the rooms' outcomes as one.</summary>
    private static async Task<BroadcastOutcome> MeasureStepAsync(
        LatencyProbe[] probes, List<HubConnection>[] members, List<HubConnection> senders, double rate, TimeSpan duration,
        CancellationToken cancellationToken)
    {
        // One collection after the step's joins (set-up, not load); then the rooms run together, uninterrupted.
        BroadcastRun.CollectGarbage();
        var runs = Rooms.Select((room, r) => BroadcastRun.MeasureAsync(
            [new MemberGroup(probes[r], members[r].Count)], rate, duration,
            (run, ts) => RoomMembers.AppSend(senders[r], room, run, ts, cancellationToken), cancellationToken, collectFirst: false));
        var outcomes = await Task.WhenAll(runs);
        return BroadcastOutcome.Merge([.. outcomes.Select(o => o[0])]);
    }
}
