using Microsoft.AspNetCore.SignalR;

namespace SupportCommunity.Web.Tests.Integration;

public static class HubAssert
{
    /// <summary>Expects a refusal from the hub whose message says <paramref name="expected"/> and shows no internals.</summary>
    public static async Task<HubException> RefusedAsync(Func<Task> call, string expected)
    {
        var refusal = await Assert.ThrowsAsync<HubException>(call);
        Assert.True(refusal.Message.Contains(expected, StringComparison.Ordinal), refusal.Message);
        Assert.DoesNotContain("   at ", refusal.Message, StringComparison.Ordinal);
        return refusal;
    }
}
