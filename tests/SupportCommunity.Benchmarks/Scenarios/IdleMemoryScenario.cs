using SupportCommunity.Benchmarks.Reporting;

namespace SupportCommunity.Benchmarks.Scenarios;

public sealed class IdleMemoryScenario : IScenario
{
    public string Name => "idlememory";

    public string Title => "todo";

    public Task RunAsync(ScenarioContext context, ScenarioResult result, CancellationToken cancellationToken) => Task.CompletedTask;
}
