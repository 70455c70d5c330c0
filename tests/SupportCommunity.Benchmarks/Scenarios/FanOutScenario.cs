using SupportCommunity.Benchmarks.Reporting;

namespace SupportCommunity.Benchmarks.Scenarios;

public sealed class FanOutScenario : IScenario
{
    public string Name => "fanout";

    public string Title => "todo";

    public Task RunAsync(ScenarioContext context, ScenarioResult result, CancellationToken cancellationToken) => Task.CompletedTask;
}
