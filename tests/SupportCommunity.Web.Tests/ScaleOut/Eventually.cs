namespace SupportCommunity.Web.Tests.ScaleOut;

/// <summary>Re-checks a condition until it holds or a deadline passes: for "within N seconds" promises.</summary>
public static class Eventually
{
    private static readonly TimeSpan Interval = TimeSpan.FromMilliseconds(100);

    /// <summary>Returns how long it took; throws a <see cref="TimeoutException"/> naming <paramref name="what"/> otherwise.</summary>
    public static async Task<TimeSpan> HoldsAsync(Func<Task<bool>> condition, TimeSpan timeout, string what)
    {
        var started = DateTime.UtcNow;
        var deadline = started + timeout;
        while (true)
        {
            if (await condition())
            {
                return DateTime.UtcNow - started;
            }

            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"Not within {timeout.TotalSeconds:0.#} s: {what}.");
            }

            await Task.Delay(Interval);
        }
    }

    public static Task<TimeSpan> HoldsAsync(Func<bool> condition, TimeSpan timeout, string what) =>
        HoldsAsync(() => Task.FromResult(condition()), timeout, what);
}
