using System.Diagnostics;

namespace SupportCommunity.Benchmarks.Measurement;

/// <summary>What one fixed-rate broadcast measured at one group of members.</summary>
public sealed record BroadcastOutcome(IReadOnlyList<double> Samples, int Sends, int FailedSends, long Expected, long Delivered)
{
    public LatencySummary Latency { get; } = LatencySummary.Of(Samples);

    /// <summary>Deliveries that never came within the grace period.</summary>
    public long Lost => Math.Max(0, Expected - Delivered);

    /// <summary>Rounds of the same measurement taken in turns with another side's, as one.</summary>
    public static BroadcastOutcome Merge(IReadOnlyList<BroadcastOutcome> rounds) => new(
        [.. rounds.SelectMany(r => r.Samples)], rounds.Sum(r => r.Sends), rounds.Sum(r => r.FailedSends),
        rounds.Sum(r => r.Expected), rounds.Sum(r => r.Delivered));
}

/// <summary>Members that share a <see cref="LatencyProbe"/>, counted so the run knows how many deliveries to expect.</summary>
public sealed record MemberGroup(LatencyProbe Probe, int Members);

/// <summary>
/// One sender at a fixed rate to groups of members, timed from each message's intended send time to its delivery at
/// every member. The fan-out, cross-node and load scenarios all use it, so app and baseline run the same code.
/// </summary>
public static class BroadcastRun
{
    /// <param name="send">Sends one message whose body is <see cref="Payload.Create"/>(run, intended timestamp).</param>
    /// <returns>One outcome per group, in order.</returns>
    public static async Task<IReadOnlyList<BroadcastOutcome>> MeasureAsync(
        IReadOnlyList<MemberGroup> groups,
        double perSecond,
        TimeSpan duration,
        Func<string, long, Task> send,
        CancellationToken cancellationToken,
        bool collectFirst = true)
    {
        if (collectFirst)
        {
            CollectGarbage();
        }

        var run = Payload.NewRun();
        var messages = (int)Math.Max(1, Math.Round(duration.TotalSeconds * perSecond));
        var windows = groups.Select(g => g.Probe.Begin(run, checked((g.Members * messages) + 16))).ToList();
        try
        {
            var sends = await FixedRateSchedule.RunAsync(perSecond, duration, ts => send(run, ts), cancellationToken);
            var failed = 0;
            foreach (var task in sends)
            {
                try
                {
                    await task;
                }
                catch (Exception) when (!cancellationToken.IsCancellationRequested)
                {
                    failed++;
                }
            }

            // Every member should get every acknowledged message. Stragglers get a grace period; the rest are lost.
            var acked = sends.Count - failed;
            var grace = Stopwatch.StartNew();
            var limit = TimeSpan.FromSeconds(Math.Max(2, duration.TotalSeconds));
            for (var i = 0; i < groups.Count; i++)
            {
                var left = limit - grace.Elapsed;
                await windows[i].WaitForAsync((long)groups[i].Members * acked, left > TimeSpan.Zero ? left : TimeSpan.Zero, cancellationToken);
            }

            return [.. windows.Select((w, i) => new BroadcastOutcome(
                w.Latencies.Milliseconds(), sends.Count, failed, (long)groups[i].Members * acked, w.Received))];
        }
        finally
        {
            foreach (var group in groups)
            {
                group.Probe.End();
            }
        }
    }

    /// <summary>A full collection, so a measurement does not pay for garbage the previous one (or the set-up) left.</summary>
    public static void CollectGarbage()
    {
        GC.Collect(GC.MaxGeneration, GCCollectionMode.Forced, blocking: true, compacting: true);
        GC.WaitForPendingFinalizers();
    }
}
