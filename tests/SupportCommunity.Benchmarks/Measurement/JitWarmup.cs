using System.Diagnostics;
using System.Runtime;

namespace SupportCommunity.Benchmarks.Measurement;

/// <summary>
/// Runs a scenario's own load until the runtime has stopped compiling. .NET first runs a method as quickly compiled
/// code and compiles it again, optimized (with profile guidance, in two steps), only after it has run a while; on two
/// busy cores that background work takes seconds and, while it lasts, the app under test runs slower code than it ever
/// will in production and shares its cores with the compiler. A fixed warm-up is either too short for the app's long
/// send path or too long for the bare baseline, so the warm-up ends when a slice of load compiles (almost) nothing.
/// </summary>
public static class JitWarmup
{
    /// <summary>
    /// Methods compiled during one slice that still count as quiet. While a send path tiers up, a slice compiles
    /// thousands; after that, timers, pings and rare paths go on compiling a few dozen a slice for minutes.
    /// </summary>
    private const int QuietMethods = 100;

    public static Task<WarmupOutcome> RunAsync(Func<TimeSpan, Task> load, TimeSpan slice, TimeSpan maximum) =>
        RunAsync(load, slice, maximum, () => JitInfo.GetCompiledMethodCount());

    /// <param name="compiledMethods">Methods the process has compiled so far (the runtime's count, or a test's).</param>
    public static async Task<WarmupOutcome> RunAsync(Func<TimeSpan, Task> load, TimeSpan slice, TimeSpan maximum, Func<long> compiledMethods)
    {
        var clock = Stopwatch.StartNew();
        var compiled = compiledMethods();
        var total = 0L;
        var slices = 0;
        while (true)
        {
            await load(slice);
            slices++;
            var now = compiledMethods();
            var inSlice = now - compiled;
            total += inSlice;
            compiled = now;
            if (slices >= 2 && inSlice <= QuietMethods || clock.Elapsed >= maximum)
            {
                return new WarmupOutcome(clock.Elapsed, total, inSlice, inSlice <= QuietMethods);
            }
        }
    }
}

/// <param name="Elapsed">How long the warm-up ran.</param>
/// <param name="Compiled">Methods compiled while it ran.</param>
/// <param name="CompiledInLastSlice">Methods compiled during its last slice.</param>
/// <param name="Quiet">Whether it ended because the compiler was quiet (otherwise it hit its maximum).</param>
public sealed record WarmupOutcome(TimeSpan Elapsed, long Compiled, long CompiledInLastSlice, bool Quiet)
{
    public override string ToString() =>
        $"{Elapsed.TotalSeconds:0.0} s, {Compiled} methods compiled, {CompiledInLastSlice} in the last slice{(Quiet ? "" : " (NOT QUIET: hit the maximum)")}";
}
