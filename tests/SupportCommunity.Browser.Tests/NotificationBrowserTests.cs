using System.Text.RegularExpressions;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace SupportCommunity.Browser.Tests;

/// <summary>Mentions and the bell in a real Chromium: autocomplete, live counts, two tabs of one user, and the way in.</summary>
public sealed partial class NotificationBrowserTests(BrowserFixture fixture) : IClassFixture<BrowserFixture>
{
    private static string Tag() => Guid.NewGuid().ToString("N")[..8];

    [Fact]
    public async Task Mention_BellCountsLiveInEveryTab_MarkAllReadSyncs_EntryOpensTheRoom()
    {
        await using var customer = await fixture.NewUserAsync();
        await using var manager = await fixture.NewUserAsync();
        await customer.SignInWithFormAsync("customer@demo.test");
        await manager.SignInWithFormAsync("manager@demo.test");

        // The manager works elsewhere, in two tabs (reading #general would read the mention at once).
        await manager.OpenRoomAsync("billing");
        var otherTab = new UserSession(manager.Context, await manager.Context.NewPageAsync());
        await otherTab.OpenRoomAsync("feedback");
        var bell = manager.Page.GetByTestId("bell");
        var otherBell = otherTab.Page.GetByTestId("bell");
        await Expect(bell).ToHaveAttributeAsync("data-unread", "0");
        await Expect(otherBell).ToHaveAttributeAsync("data-unread", "0");

        // The customer mentions her with the autocomplete: "@may", Enter picks "Maya Chen" and sends nothing.
        await customer.OpenRoomAsync("general");
        var first = Tag();
        await customer.Composer.PressSequentiallyAsync("@may");
        // Earlier keystrokes may have listed more people ("@m" finds Alex Morgan too): wait for "@may"'s answer.
        await Expect(customer.Page.GetByTestId("mention-option")).ToHaveTextAsync([new Regex("Maya Chen")]);
        await UserSession.PressEnterAsync(customer.Composer);
        await Expect(customer.Composer).ToHaveValueAsync("@Maya Chen ");
        await Expect(customer.Page.GetByTestId("mention-list")).ToHaveCountAsync(0);
        await customer.Composer.PressSequentiallyAsync($"can you help? [{first}]");
        await Expect(customer.Composer).Not.ToHaveAttributeAsync("data-mentions", "open");
        await UserSession.PressEnterAsync(customer.Composer);
        await Expect(customer.MessagesWith(first)).ToHaveCountAsync(1);

        // Both of the manager's tabs count it, live.
        await Expect(bell).ToHaveAttributeAsync("data-unread", "1");
        await Expect(otherBell).ToHaveAttributeAsync("data-unread", "1");
        await Expect(bell.Locator(".bell-count")).ToHaveTextAsync("1");

        // "Mark all read" in one tab clears the other.
        await otherTab.Page.GetByTestId("bell-button").ClickAsync();
        var otherEntry = otherTab.Page.GetByTestId("bell-item").Filter(new() { HasText = first });
        await Expect(otherEntry).ToContainTextAsync("Jordan Lee mentioned you in #General");
        await Expect(otherEntry).ToHaveAttributeAsync("data-read", "false");
        await otherTab.Page.GetByTestId("bell-mark-all").ClickAsync();
        await Expect(otherBell).ToHaveAttributeAsync("data-unread", "0");
        await Expect(otherEntry).ToHaveAttributeAsync("data-read", "true");
        await Expect(bell).ToHaveAttributeAsync("data-unread", "0");
        await Expect(bell.Locator(".bell-count")).Not.ToBeVisibleAsync();

        // A second mention; the manager opens it from the bell and lands on the message's room.
        var second = Tag();
        await customer.SendWithEnterAsync($"@Maya Chen one more thing [{second}]");
        await Expect(bell).ToHaveAttributeAsync("data-unread", "1");
        await Expect(otherBell).ToHaveAttributeAsync("data-unread", "1");
        await manager.Page.GetByTestId("bell-button").ClickAsync();
        var entry = manager.Page.GetByTestId("bell-item").Filter(new() { HasText = second });
        await Expect(entry).ToContainTextAsync("Jordan Lee mentioned you in #General");
        await entry.ClickAsync();

        await Expect(manager.Page).ToHaveURLAsync(RoomUrl());
        await manager.WaitForRoomAsync("general");
        await Expect(manager.MessagesWith(second)).ToHaveCountAsync(1);
        await Expect(manager.Page.GetByTestId("bell-panel")).ToHaveCountAsync(0);
        await Expect(bell).ToHaveAttributeAsync("data-unread", "0");
        await Expect(otherBell).ToHaveAttributeAsync("data-unread", "0");
        Assert.Empty(manager.Dialogs);
        Assert.Empty(customer.Dialogs);

    }

    [GeneratedRegex("/rooms/general$")]
    private static partial Regex RoomUrl();
}
