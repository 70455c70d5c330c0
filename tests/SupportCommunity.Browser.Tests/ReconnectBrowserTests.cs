using System.Text.RegularExpressions;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace SupportCommunity.Browser.Tests;

/// <summary>Losing the connection: the banner says so, and the room comes back complete with nothing twice.</summary>
public sealed partial class ReconnectBrowserTests(BrowserFixture fixture) : IClassFixture<BrowserFixture>
{
    [Fact]
    public async Task Reconnect_MessagesSentWhileOffline_ShowOnceWhenBack()
    {
        await using var customer = await fixture.NewUserAsync();
        await using var manager = await fixture.NewUserAsync();
        await customer.SignInWithDemoPickerAsync("customer@demo.test");
        await manager.SignInWithDemoPickerAsync("manager@demo.test");
        await customer.OpenRoomAsync("general");
        await manager.OpenRoomAsync("general");
        var tag = Guid.NewGuid().ToString("N")[..8];
        await customer.SendWithEnterAsync($"Before the outage [{tag}]");
        await Expect(manager.MessagesWith($"Before the outage [{tag}]")).ToHaveCountAsync(1);

        await customer.Context.SetOfflineAsync(true);
        var banner = customer.Page.Locator("#components-reconnect-modal");
        await Expect(banner).ToHaveClassAsync(ReconnectingClass(), new() { Timeout = 45_000 });
        await Expect(banner).ToContainTextAsync("Reconnecting");

        await manager.SendWithEnterAsync($"Sent while you were away, one [{tag}]");
        await manager.SendWithEnterAsync($"Sent while you were away, two [{tag}]");

        await customer.Context.SetOfflineAsync(false);
        await Expect(banner).Not.ToHaveClassAsync(ReconnectingClass(), new() { Timeout = 45_000 });
        await Expect(customer.MessagesWith($"away, two [{tag}]")).ToHaveCountAsync(1, new() { Timeout = 20_000 });

        // Everything exactly once, in order.
        var bodies = await customer.Page.GetByTestId("message-body").Filter(new() { HasText = tag }).AllInnerTextsAsync();
        Assert.Equal(
            [$"Before the outage [{tag}]", $"Sent while you were away, one [{tag}]", $"Sent while you were away, two [{tag}]"],
            bodies.Select(b => b.Trim()));
        Assert.Empty(customer.Dialogs);
    }

    [Fact]
    public async Task LostConnection_UserGoesOfflineForOthersAndReturnsOnReconnect()
    {
        await using var manager = await fixture.NewUserAsync();
        await manager.SignInWithDemoPickerAsync("manager@demo.test");
        await manager.OpenRoomAsync("feedback");
        var online = manager.Page.GetByTestId("online");
        await Expect(online).ToContainTextAsync("1 online");

        await using var customer = await fixture.NewUserAsync();
        await customer.SignInWithDemoPickerAsync("customer2@demo.test");
        await customer.OpenRoomAsync("feedback");
        await Expect(online).ToContainTextAsync("2 online");

        // Blazor keeps a dropped tab's circuit for minutes in case it returns; presence must not wait for that.
        await customer.Context.SetOfflineAsync(true);
        await Expect(online).ToContainTextAsync("1 online", new() { Timeout = 45_000 });

        await customer.Context.SetOfflineAsync(false);
        await Expect(online).ToContainTextAsync("2 online", new() { Timeout = 45_000 });
    }

    [GeneratedRegex("components-reconnect-(show|retrying)")]
    private static partial Regex ReconnectingClass();
}
