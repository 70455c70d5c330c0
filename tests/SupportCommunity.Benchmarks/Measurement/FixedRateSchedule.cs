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
    public static Task<IReadOnlyList<Task>> RunAsync(
        double perSecond, TimeSpan duration, Func<long, Task> send, CancellationToken cancellationToken)
    {
        // A thread of its own: timers (Task.Delay) wake up a millisecond or more late, and waiting out the last
        // moment on a thread-pool thread would starve the server and the clients, which share the pool with us.
        var done = new TaskCompletionSource<IReadOnlyList<Task>>(TaskCreationOptions.RunContinuationsAsynchronously);
        var thread = new Thread(() =>
        {
            try
            {
                done.SetResult(Run(perSecond, duration, send, cancellationToken));
            }
            catch (Exception ex)
            {
                done.SetException(ex);
            }
        })
        {
            IsBackground = true,
            Name = "fixed-rate sender",
        };
        thread.Start();
        return done.Task;
    }

    private static List<Task> Run(double perSecond, TimeSpan duration, Func<long, Task> send, CancellationToken cancellationToken)
    {
        var interval = Stopwatch.Frequency / perSecond;
        var count = (int)Math.Max(1, Math.Round(duration.TotalSeconds * perSecond));
        var start = Stopwatch.GetTimestamp();
        var sends = new List<Task>(count);
        for (var i = 0; i < count; i++)
        {
            var intended = start + (long)(i * interval);
            // Sleep to within a millisecond, then yield until the moment.
            var sleep = (int)Stopwatch.GetElapsedTime(Stopwatch.GetTimestamp(), intended).TotalMilliseconds - 1;
            if (sleep > 0)
            {
                Thread.Sleep(sleep);
            }

            while (Stopwatch.GetTimestamp() < intended)
            {
                Thread.Yield();
            }

            cancellationToken.ThrowIfCancellationRequested();
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
