using System.Diagnostics;

namespace SupportCommunity.Benchmarks.Measurement;

/// <summary>
/// Sends on a fixed schedule and never waits for an answer before the next send, so a slow server cannot slow the
/// load down and hide its own latency (coordinated omission). Latency is then measured from each send's intended
/// time, not from when it actually went out.
/// </summary>
public static class FixedRateSchedule
{
    /// <summary>Calls <paramref name="send"/> with each intended timestamp; returns the sends' tasks, not awaited.</summary>
    public static async Task<IReadOnlyList<Task>> RunAsync(
        double perSecond, TimeSpan duration, Func<long, Task> send, CancellationToken cancellationToken)
    {
        var interval = Stopwatch.Frequency / perSecond;
        var count = (int)Math.Max(1, Math.Round(duration.TotalSeconds * perSecond));
        var start = Stopwatch.GetTimestamp();
        var sends = new List<Task>(count);
        for (var i = 0; i < count; i++)
        {
            var intended = start + (long)(i * interval);
            // Timers wake up to a few ms late; sleep until just before, then yield until the moment, so the schedule
            // itself adds little to the latency of the fast baselines.
            var wait = Stopwatch.GetElapsedTime(Stopwatch.GetTimestamp(), intended) - TimeSpan.FromMilliseconds(2);
            if (wait > TimeSpan.Zero)
            {
                await Task.Delay(wait, cancellationToken);
            }

            while (Stopwatch.GetTimestamp() < intended)
            {
                Thread.Yield();
            }

            sends.Add(SafeSend(send, intended));
        }

        return sends;
    }

    // A send that throws synchronously must not stop the schedule; its task carries the error instead.
    private static Task SafeSend(Func<long, Task> send, long intended)
    {
        try
        {
            return send(intended);
        }
        catch (Exception ex)
        {
            return Task.FromException(ex);
        }
    }
}
