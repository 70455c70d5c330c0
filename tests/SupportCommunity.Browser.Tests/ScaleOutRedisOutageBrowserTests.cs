using System.Diagnostics;
using static Microsoft.Playwright.Assertions;

namespace SupportCommunity.Browser.Tests;

/// <summary>Redis down: pages still load and send on their own node, and the other node catches up when it is back.</summary>
[Collection(ScaleOutTestGroup.Name)]
public sealed class ScaleOutRedisOutageBrowserTests(ScaleOutFixture fixture) : IClassFixture<ScaleOutFixture>
{
    private static readonly TimeSpan HealthTimeout = TimeSpan.FromSeconds(15);

    [Fact]
    public async Task RedisDown_NewPage_StillBecomesInteractiveAndSends()
    {
        // A user on node B, in the room before the outage.
        await using var customer = await fixture.NewUserAsync(fixture.NodeB);
        await customer.SignInWithDemoPickerAsync("customer@demo.test");
        await customer.OpenRoomAsync("general");
        Assert.Equal("Healthy", await ScaleOutFixture.HealthAsync(fixture.NodeA));
        Assert.Equal("Healthy", await ScaleOutFixture.HealthAsync(fixture.NodeB));

        await fixture.Redis.StopAsync();
        await ScaleOutFixture.WaitForHealthAsync(fixture.NodeA, "Degraded", HealthTimeout);
        await ScaleOutFixture.WaitForHealthAsync(fixture.NodeB, "Degraded", HealthTimeout);

        // A fresh browser signs in on node A and opens the room while Redis is down: it becomes interactive and sends.
        await using var member = await fixture.NewUserAsync(fixture.NodeA);
        await member.SignInWithDemoPickerAsync("member@demo.test");
        await member.OpenRoomAsync("general");
        var tag = Guid.NewGuid().ToString("N")[..8];
        var text = $"Sent while Redis was down [{tag}]";
        await member.SendWithEnterAsync(text);
        await Expect(member.Page.Locator(".mud-snackbar")).ToHaveCountAsync(0);
        Assert.Equal("Degraded", await ScaleOutFixture.HealthAsync(fixture.NodeA));
        Assert.False(await fixture.Redis.PingAsync(), "Redis came back before the send was checked");
        // Node B had no way to hear of it yet.
        await Expect(customer.MessagesWith(text)).ToHaveCountAsync(0);

        var restarted = Stopwatch.StartNew();
        await fixture.Redis.RestartAsync();
        await Expect(customer.MessagesWith(text)).ToHaveCountAsync(1, new() { Timeout = 15_000 });
        var caughtUpAfter = restarted.Elapsed;
        await ScaleOutFixture.WaitForHealthAsync(fixture.NodeA, "Healthy", HealthTimeout);
        await ScaleOutFixture.WaitForHealthAsync(fixture.NodeB, "Healthy", HealthTimeout);

        // Live again: a later message reaches B through Redis, after the caught-up one, and nothing shows twice.
        var later = $"And this one after Redis came back [{tag}]";
        await member.SendWithEnterAsync(later);
        await Expect(customer.MessagesWith(later)).ToHaveCountAsync(1);
        var bodies = await customer.BodiesWith(tag).AllInnerTextsAsync();
        Assert.Equal([text, later], bodies.Select(b => b.Trim()));
        await Expect(member.MessagesWith(text)).ToHaveCountAsync(1);
        Assert.Empty(customer.Dialogs);
        Assert.Empty(member.Dialogs);
        Console.WriteLine($"Node B caught up {caughtUpAfter.TotalSeconds:0.0} s after Redis was started again.");
    }
}
