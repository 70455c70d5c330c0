using SupportCommunity.Benchmarks.Reporting;

namespace SupportCommunity.Benchmarks.Scenarios;

public sealed class LoadHeldScenario : IScenario
{
    public string Name => "loadheld";

    public string Title => "todo";

    public Task RunAsync(ScenarioContext context, ScenarioResult result, CancellationToken cancellationToken) => Task.CompletedTask;
}
