using SupportCommunity.Benchmarks.Reporting;

namespace SupportCommunity.Benchmarks.Scenarios;

/// <summary>One measurement of the app beside its same-run baseline.</summary>
public interface IScenario
{
    /// <summary>The name <c>--scenario</c> takes.</summary>
    string Name { get; }

    string Title { get; }

    Task RunAsync(ScenarioContext context, ScenarioResult result, CancellationToken cancellationToken);
}

/// <summary>What a scenario gets from the suite: its sizes, a scratch folder of its own and a log.</summary>
public sealed class ScenarioContext(SuiteOptions options, string workFolder)
{
    public SuiteOptions Options { get; } = options;

    public ScenarioSizes Sizes => Options.Sizes;

    /// <summary>A scratch folder deleted after the run: databases, keys, Redis logs.</summary>
    public string WorkFolder { get; } = workFolder;

    public string NewFolder(string name)
    {
        var folder = Path.Combine(WorkFolder, name + "-" + Guid.NewGuid().ToString("N")[..8]);
        Directory.CreateDirectory(folder);
        return folder;
    }

    public void Log(string line) => Options.Log.WriteLine("  " + line);
}
