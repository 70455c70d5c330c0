using System.Diagnostics;
using Microsoft.Data.Sqlite;
using SupportCommunity.Benchmarks.Reporting;
using SupportCommunity.Benchmarks.Scenarios;

namespace SupportCommunity.Benchmarks;

/// <summary>Runs the scenarios one after another (they would disturb each other's figures) and collects the results.</summary>
public static class Suite
{
    /// <summary>Every scenario in priority order: if time is short, the first ones matter most.</summary>
    public static IReadOnlyList<IScenario> All { get; } =
    [
        new DurableSendScenario(),
        new HistoryPageScenario(),
        new FanOutScenario(),
        new IdleMemoryScenario(),
        new CrossNodeScenario(),
        new LoadHeldScenario(),
        new FloodAbuseScenario(),
    ];

    public static async Task<SuiteReport> RunAsync(SuiteOptions options, CancellationToken cancellationToken = default)
    {
        var selected = Select(options.Scenarios);
        var started = DateTimeOffset.UtcNow;
        var clock = Stopwatch.StartNew();
        var work = Path.Combine(Path.GetTempPath(), "supportcommunity-bench-work-" + Guid.NewGuid().ToString("N")[..12]);
        Directory.CreateDirectory(work);
        var results = new List<ScenarioResult>();
        try
        {
            foreach (var scenario in selected)
            {
                results.Add(await RunOneAsync(scenario, new ScenarioContext(options, work), cancellationToken));
            }
        }
        finally
        {
            SqliteConnection.ClearAllPools();
            TryDelete(work);
        }

        return new SuiteReport(MachineInfo.Current(), started, options.Smoke, results, clock.Elapsed.TotalSeconds) { Sizes = options.SizesName };
    }

    private static async Task<ScenarioResult> RunOneAsync(IScenario scenario, ScenarioContext context, CancellationToken cancellationToken)
    {
        var result = new ScenarioResult(scenario.Name, scenario.Title);
        context.Options.Log.WriteLine($"[{scenario.Name}] {scenario.Title}");
        var clock = Stopwatch.StartNew();
        // A hung scenario (a lost connection awaited forever) must not hang the suite or CI.
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(context.Options.Smoke ? TimeSpan.FromSeconds(60) : context.Options.LongRuns ? TimeSpan.FromMinutes(15) : TimeSpan.FromMinutes(4));
        try
        {
            await scenario.RunAsync(context, result, timeout.Token);
        }
        catch (Exception ex) when (!cancellationToken.IsCancellationRequested)
        {
            result.Error = ex.GetType().Name + ": " + ex.Message;
            context.Options.Log.WriteLine($"[{scenario.Name}] FAILED: {ex}");
        }

        result.Seconds = clock.Elapsed.TotalSeconds;
        context.Options.Log.WriteLine($"[{scenario.Name}] done in {result.Seconds:0.0} s");
        return result;
    }

    /// <summary>The scenarios named, in the order given; all of them for none. Throws for an unknown name.</summary>
    public static List<IScenario> Select(IReadOnlyList<string> names)
    {
        if (names.Count == 0)
        {
            return [.. All];
        }

        return [.. names.Select(n => All.FirstOrDefault(s => string.Equals(s.Name, n, StringComparison.OrdinalIgnoreCase))
            ?? throw new ArgumentException($"There is no scenario '{n}'. Scenarios: {string.Join(", ", All.Select(s => s.Name))}."))];
    }

    private static void TryDelete(string folder)
    {
        try
        {
            Directory.Delete(folder, recursive: true);
        }
        catch (IOException)
        {
            // A file still held open by a stopping server; the temp folder is the OS's to clean.
        }
        catch (UnauthorizedAccessException)
        {
            // As above.
        }
    }
}
