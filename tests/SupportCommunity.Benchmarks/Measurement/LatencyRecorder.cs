using System.Diagnostics;

namespace SupportCommunity.Benchmarks.Measurement;

/// <summary>
/// Collects one latency per delivery from many receive loops at once, without locks: a preallocated array and an
/// interlocked index, because a lock or a growing list would itself add latency at 20,000 deliveries a second.
/// </summary>
public sealed class LatencyRecorder(int capacity)
{
    private readonly long[] _ticks = new long[capacity];
    private int _next;

    public int Count => Math.Min(Volatile.Read(ref _next), _ticks.Length);

    /// <summary>Records the time from <paramref name="intendedTimestamp"/> (a <see cref="Stopwatch"/> timestamp) to now.</summary>
    public void Record(long intendedTimestamp)
    {
        var elapsed = Stopwatch.GetTimestamp() - intendedTimestamp;
        var slot = Interlocked.Increment(ref _next) - 1;
        if (slot < _ticks.Length)
        {
            _ticks[slot] = elapsed;
        }
    }

    public double[] Milliseconds() => [.. _ticks.AsSpan(0, Count).ToArray().Select(t => t * 1000.0 / Stopwatch.Frequency)];

    public LatencySummary Summarize() => LatencySummary.Of(Milliseconds());
}

/// <summary>Percentiles in milliseconds, nearest-rank.</summary>
public sealed record LatencySummary(int Count, double P50, double P95, double P99, double Max)
{
    public static readonly LatencySummary Empty = new(0, 0, 0, 0, 0);

    public static LatencySummary Of(IEnumerable<double> milliseconds)
    {
        var sorted = milliseconds.Order().ToArray();
        return sorted.Length == 0
            ? Empty
            : new LatencySummary(sorted.Length, Rank(sorted, 0.50), Rank(sorted, 0.95), Rank(sorted, 0.99), sorted[^1]);
    }

    private static double Rank(double[] sorted, double percentile) =>
        sorted[Math.Clamp((int)Math.Ceiling(percentile * sorted.Length) - 1, 0, sorted.Length - 1)];
}
