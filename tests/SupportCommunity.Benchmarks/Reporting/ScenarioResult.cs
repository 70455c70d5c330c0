namespace SupportCommunity.Benchmarks.Reporting;

/// <summary>
/// One figure of the app beside a baseline measured in the same run. The ratio is app / baseline, so for a latency or a
/// memory figure lower is better, and for a throughput higher is better (<see cref="HigherIsBetter"/>).
/// </summary>
public sealed record Figure(string Metric, string Unit, double App, string? BaselineName = null, double? Baseline = null, bool HigherIsBetter = false)
{
    public double? Ratio => Baseline is > 0 ? App / Baseline.Value : null;
}

/// <summary>A design.md §6 target (or a correctness check) and whether this run met it.</summary>
public sealed record TargetCheck(string Target, string Measured, bool Met);

/// <summary>What one scenario measured. A scenario that threw has <see cref="Error"/> set and may have no figures.</summary>
public sealed class ScenarioResult(string name, string title)
{
    public string Name { get; } = name;

    public string Title { get; } = title;

    public List<Figure> Figures { get; } = [];

    public List<TargetCheck> Targets { get; } = [];

    /// <summary>Method notes and explanations of misses, printed under the table.</summary>
    public List<string> Notes { get; } = [];

    public double Seconds { get; set; }

    public string? Error { get; set; }

    public void Add(Figure figure) => Figures.Add(figure);

    public void Check(string target, string measured, bool met) => Targets.Add(new TargetCheck(target, measured, met));

    public void Note(string note) => Notes.Add(note);
}

/// <summary>The whole run: where, when, and every scenario's result.</summary>
public sealed record SuiteReport(
    MachineInfo Machine, DateTimeOffset StartedAt, bool Smoke, IReadOnlyList<ScenarioResult> Scenarios, double Seconds)
{
    /// <summary>smoke, full or long (<see cref="SuiteOptions.SizesName"/>).</summary>
    public string Sizes { get; init; } = "full";

    public bool AllRan => Scenarios.All(s => s.Error is null);

    public IEnumerable<TargetCheck> Missed => Scenarios.SelectMany(s => s.Targets).Where(t => !t.Met);
}
