using SupportCommunity.Benchmarks;

namespace SupportCommunity.Web.Tests.Benchmarks;

public sealed class SuiteOptionsTests
{
    [Fact]
    public void Long_MeasuresTheNoiseBoundScenariosFiveTimesAsLong_AndNothingElse()
    {
        var full = SuiteOptions.Parse([]).Sizes;

        var options = SuiteOptions.Parse(["--long", "--scenario", "flood-abuse"]);

        Assert.Equal("long", options.SizesName);
        Assert.Equal(["flood-abuse"], options.Scenarios);
        var sizes = options.Sizes;
        Assert.Equal(full.FloodDuration * 5, sizes.FloodDuration);
        Assert.Equal(full.FloodRounds * 5, sizes.FloodRounds);
        Assert.Equal(full.FanOutRounds * 5, sizes.FanOutRounds);
        Assert.Equal(full.FanOutSteps.Select(s => (s.Members, s.Duration * 5)), sizes.FanOutSteps.Select(s => (s.Members, s.Duration)));
        Assert.Equal(full with { FanOutSteps = full.FanOutSteps, FanOutRounds = full.FanOutRounds, FloodDuration = full.FloodDuration, FloodRounds = full.FloodRounds },
            sizes with { FanOutSteps = full.FanOutSteps, FanOutRounds = full.FanOutRounds, FloodDuration = full.FloodDuration, FloodRounds = full.FloodRounds });
    }

    [Fact]
    public void NoOptions_AreTheFullSizes_AndAnUnknownOptionIsRefusedWithTheUsage()
    {
        Assert.Equal("full", SuiteOptions.Parse([]).SizesName);
        Assert.Same(ScenarioSizes.Full, SuiteOptions.Parse([]).Sizes);

        var refused = Assert.Throws<ArgumentException>(() => SuiteOptions.Parse(["--longer"]));

        Assert.Contains("Unknown option '--longer'", refused.Message, StringComparison.Ordinal);
        Assert.Contains("--long ", refused.Message, StringComparison.Ordinal);
    }
}
