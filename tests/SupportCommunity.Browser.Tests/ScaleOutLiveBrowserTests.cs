using static Microsoft.Playwright.Assertions;

namespace SupportCommunity.Browser.Tests;

/// <summary>Two nodes on one Redis: a page on node B lives on what users of node A do.</summary>
[Collection(ScaleOutTestGroup.Name)]
public sealed class ScaleOutLiveBrowserTests(ScaleOutFixture fixture) : IClassFixture<ScaleOutFixture>
{
    [Fact]
    public async Task CrossNode_MessageSentOnNodeA_ShowsLiveOnNodeB()
    {
        await using var customer = await fixture.NewUserAsync(fixture.NodeB);
        await using var manager = await fixture.NewUserAsync(fixture.NodeA);
        Assert.NotEqual(fixture.NodeA.BaseAddress, fixture.NodeB.BaseAddress);

        await customer.SignInWithDemoPickerAsync("customer@demo.test");
        await customer.OpenRoomAsync("general");
        Assert.StartsWith(fixture.NodeB.BaseAddress.ToString(), customer.Page.Url, StringComparison.Ordinal);
        // Marks this page load: a reload (or a fresh page) would lose it, so the message below arrives live.
        await customer.Page.EvaluateAsync("() => { window.__loadedBeforeSend = true; }");

        await manager.SignInWithDemoPickerAsync("manager@demo.test");
        await manager.OpenRoomAsync("general");
        Assert.StartsWith(fixture.NodeA.BaseAddress.ToString(), manager.Page.Url, StringComparison.Ordinal);

        // Presence across nodes: the manager entered on node A, and node B's online bar counts both users.
        var online = customer.Page.GetByTestId("online");
        await Expect(online).ToHaveAttributeAsync("aria-label", "2 online");
        await Expect(online).ToContainTextAsync("2 online");
        await Expect(online.GetByText("MC", new() { Exact = true })).ToHaveCountAsync(1); // Maya Chen's avatar
        await Expect(online.GetByText("JL", new() { Exact = true })).ToHaveCountAsync(1); // Jordan Lee (the customer)

        var tag = Guid.NewGuid().ToString("N")[..8];
        var text = $"Version 4.2.1 is out, please update [{tag}]";
        await manager.SendWithEnterAsync(text);

        var shown = customer.MessagesWith(text);
        await Expect(shown).ToHaveCountAsync(1);
        await Expect(shown.GetByTestId("message-author")).ToHaveTextAsync("Maya Chen");
        await Expect(shown.GetByTestId("role-badge")).ToHaveTextAsync("Community manager");
        Assert.True(await customer.Page.EvaluateAsync<bool>("() => window.__loadedBeforeSend === true"), "node B's page was reloaded");

        // A second message is a sync point: once it shows on B, anything sent twice before it would show too.
        var later = $"Let us know if it helps [{tag}]";
        await manager.SendWithEnterAsync(later);
        await Expect(customer.MessagesWith(later)).ToHaveCountAsync(1);
        var bodies = await customer.BodiesWith(tag).AllInnerTextsAsync();
        Assert.Equal([text, later], bodies.Select(b => b.Trim()));
        await Expect(online).ToHaveAttributeAsync("aria-label", "2 online");
        Assert.Empty(customer.Dialogs);
        Assert.Empty(manager.Dialogs);
    }
}
