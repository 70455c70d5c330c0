using SupportCommunity.Benchmarks;
using Xunit.Abstractions;

namespace SupportCommunity.Web.Tests.Benchmarks;

/// <summary>
/// Keeps the performance suite (tests/SupportCommunity.Benchmarks) from rotting: every scenario runs end to end at
/// tiny sizes and must report figures. No timing or ratio is asserted: on a shared CI machine they mean nothing; the
/// full suite reports them (docs/performance.md).
/// </summary>
public sealed class BenchmarkSmokeTests(ITestOutputHelper output)
{
    [Fact]
    public async Task Suite_AtSmokeSizes_EveryScenarioRunsAndReportsFigures()
    {
        var root = Environment.GetEnvironmentVariable("SUPPORTCOMMUNITY_TEST_TMP") is { Length: > 0 } tmp ? tmp : Path.GetTempPath();
        var folder = Path.Combine(root, "bench-smoke-" + Guid.NewGuid().ToString("N")[..8]);
        using var log = new StringWriter();
        var options = new SuiteOptions { Smoke = true, Log = log, OutputFolder = folder, CacheFolder = folder };

        var report = await Suite.RunAsync(options);
        output.WriteLine(log.ToString());

        Assert.Equal(Suite.All.Select(s => s.Name), report.Scenarios.Select(s => s.Name));
        foreach (var scenario in report.Scenarios)
        {
            Assert.True(scenario.Error is null, $"{scenario.Name} failed: {scenario.Error}");
            Assert.NotEmpty(scenario.Figures);
            Assert.NotEmpty(scenario.Targets);
            foreach (var figure in scenario.Figures)
            {
                var name = $"{scenario.Name}: {figure.Metric}";
                Assert.True(double.IsFinite(figure.App), $"{name} is not a number");
                Assert.True(figure.Baseline is null || double.IsFinite(figure.Baseline.Value), $"{name}: its baseline is not a number");
                // Throughputs and latencies must have been measured; memory differences at 30 connections may be noise.
                if (figure.Unit is "ms" or "/s")
                {
                    Assert.True(figure.App > 0, $"{name} was not measured ({figure.App})");
                    Assert.True(figure.Baseline is null or > 0, $"{name}: its baseline was not measured ({figure.Baseline})");
                }
            }
        }

        if (Directory.Exists(folder))
        {
            Directory.Delete(folder, recursive: true);
        }
    }
}
