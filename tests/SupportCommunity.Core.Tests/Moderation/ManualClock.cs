namespace SupportCommunity.Core.Tests.Moderation;

/// <summary>A clock the test moves by hand, for windows such as slow mode and duplicates.</summary>
public sealed class ManualClock(DateTimeOffset start) : TimeProvider
{
    private DateTimeOffset _now = start;

    public override DateTimeOffset GetUtcNow() => _now;

    public void Advance(TimeSpan by) => _now += by;
}
