using SupportCommunity.Benchmarks.Reporting;

namespace SupportCommunity.Benchmarks.Scenarios;

public sealed class CrossNodeScenario : IScenario
{
    public string Name => "crossnode";

    public string Title => "todo";

    public Task RunAsync(ScenarioContext context, ScenarioResult result, CancellationToken cancellationToken) => Task.CompletedTask;
}
