using System.Reflection.Emit;
using SupportCommunity.Benchmarks.Measurement;

namespace SupportCommunity.Web.Tests.Benchmarks;

public sealed class JitWarmupTests
{
    private static readonly TimeSpan Slice = TimeSpan.FromMilliseconds(20);

    [Fact]
    public async Task Ends_at_the_first_slice_that_compiles_at_most_a_hundred_methods_but_not_before_the_second()
    {
        // The process's count after each slice: a quiet first slice (a burst not yet begun), two busy, then quiet.
        var counts = new Queue<long>([1_000, 1_050, 4_000, 7_000, 7_060, 7_070]);
        var slices = 0;

        var outcome = await JitWarmup.RunAsync(
            _ => { slices++; return Task.CompletedTask; }, Slice, TimeSpan.FromSeconds(30), () => counts.Dequeue());

        Assert.Equal(4, slices);
        Assert.True(outcome.Quiet, outcome.ToString());
        Assert.Equal(6_060, outcome.Compiled);
        Assert.Equal(60, outcome.CompiledInLastSlice);
    }

    [Fact]
    public async Task A_load_that_keeps_compiling_runs_until_the_maximum_and_says_so()
    {
        // Each slice of this load is the compiling alone (a few milliseconds): the warm-up must end on its clock.
        var maximum = TimeSpan.FromMilliseconds(50);

        var outcome = await JitWarmup.RunAsync(
            _ =>
            {
                CompileNewMethods(150);
                return Task.CompletedTask;
            },
            Slice,
            maximum);

        Assert.False(outcome.Quiet);
        Assert.True(outcome.Elapsed >= maximum, outcome.ToString());
        Assert.True(outcome.CompiledInLastSlice >= 150, outcome.ToString());
        Assert.Contains("NOT QUIET", outcome.ToString());
    }

    /// <summary>Each dynamic method is compiled by the JIT on its first call, as a method of the app is.</summary>
    private static void CompileNewMethods(int count)
    {
        for (var i = 0; i < count; i++)
        {
            var method = new DynamicMethod($"warm{i}", typeof(int), Type.EmptyTypes);
            var il = method.GetILGenerator();
            il.Emit(OpCodes.Ldc_I4, i);
            il.Emit(OpCodes.Ret);
            Assert.Equal(i, method.CreateDelegate<Func<int>>()());
        }
    }
}
