using SupportCommunity.Benchmarks.Reporting;

namespace SupportCommunity.Benchmarks.Scenarios;

public sealed class HistoryPageScenario : IScenario
{
    public string Name => "historypage";

    public string Title => "todo";

    public Task RunAsync(ScenarioContext context, ScenarioResult result, CancellationToken cancellationToken) => Task.CompletedTask;
}
