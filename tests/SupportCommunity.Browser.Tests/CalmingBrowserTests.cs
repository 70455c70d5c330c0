using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace SupportCommunity.Browser.Tests;

/// <summary>
/// Calming tools and room rules in a real Chromium: a manager acts from the room's controls menu, and a customer in
/// another browser sees the change at once (banner, pinned notice, blocked composer, slow-mode countdown, rules).
/// </summary>
public sealed class CalmingBrowserTests(BrowserFixture fixture) : IClassFixture<BrowserFixture>
{
    private static string Tag() => Guid.NewGuid().ToString("N")[..8];

    [Fact]
    public async Task LockRoom_ManagerLocksFeedback_CustomerSeesBannerAndDisabledComposerThenPostsAfterUnlock()
    {
        await using var manager = await fixture.NewUserAsync();
        await using var customer = await fixture.NewUserAsync();
        await manager.SignInWithDemoPickerAsync("manager@demo.test");
        await customer.SignInWithDemoPickerAsync("customer@demo.test");
        await manager.OpenRoomAsync("feedback");
        await customer.OpenRoomAsync("feedback");

        // A cool-down: slow mode and a pinned notice, in one action.
        await manager.Page.GetByTestId("room-controls-toggle").ClickAsync();
        await manager.Page.GetByTestId("controls-cool-down-notice").FillAsync("Let's keep feedback friendly while we ship 4.2.");
        await manager.Page.GetByTestId("controls-cool-down").ClickAsync();
        await Expect(customer.Page.GetByTestId("room-pinned-body")).ToHaveTextAsync("Let's keep feedback friendly while we ship 4.2.");
        await Expect(customer.Page.GetByTestId("slow-mode-hint")).ToContainTextAsync("Slow mode is on: one message every 30 s");

        // Lock, with a banner.
        await manager.Page.GetByTestId("room-controls-toggle").ClickAsync();
        await manager.Page.GetByTestId("controls-lock-message").FillAsync("Closed while we ship 4.2, back at 15:00.");
        await manager.Page.GetByTestId("controls-lock").ClickAsync();

        var banner = customer.Page.GetByTestId("room-locked-banner");
        await Expect(banner).ToContainTextAsync("This room is locked.");
        await Expect(banner).ToContainTextAsync("Closed while we ship 4.2, back at 15:00.");
        await Expect(customer.Composer).ToBeDisabledAsync();
        await Expect(customer.Composer).ToHaveAttributeAsync("placeholder", "This room is locked");
        await customer.ScreenshotAsync(Path.Combine(fixture.ScreenshotDir, "room-locked.png"), fullPage: false);

        // Staff may still post in a locked room.
        var staffTag = Tag();
        await Expect(manager.Composer).ToBeEnabledAsync();
        await manager.SendWithEnterAsync($"Shipping now [{staffTag}]");
        await Expect(customer.MessagesWith(staffTag)).ToHaveCountAsync(1);

        await manager.Page.GetByTestId("room-controls-toggle").ClickAsync();
        await manager.Page.GetByTestId("controls-unlock").ClickAsync();
        await Expect(banner).ToHaveCountAsync(0);
        await Expect(customer.Composer).ToBeEnabledAsync();

        // Slow mode still holds after the lock: one post, then a countdown and a blocked composer.
        var tag = Tag();
        await customer.SendWithEnterAsync($"Is it out? [{tag}]");
        await Expect(manager.MessagesWith(tag)).ToHaveCountAsync(1);
        await Expect(customer.Page.GetByTestId("slow-mode-countdown")).ToContainTextAsync("you can post again in");
        await Expect(customer.Composer).ToBeDisabledAsync();
    }

    [Fact]
    public async Task RoomRules_ManagerSetsRules_CustomerMustAcceptBeforePosting()
    {
        await using var manager = await fixture.NewUserAsync();
        await using var customer = await fixture.NewUserAsync();
        await manager.SignInWithDemoPickerAsync("manager@demo.test");
        await customer.SignInWithDemoPickerAsync("customer2@demo.test");
        await manager.OpenRoomAsync("billing");
        await customer.OpenRoomAsync("billing");

        await manager.Page.GetByTestId("room-controls-toggle").ClickAsync();
        await manager.Page.GetByTestId("controls-rules").FillAsync(
            "1. **Be kind**: we are all customers here.\n2. Never post card numbers or invoices.\n3. Stay on billing topics.");
        await manager.Page.GetByTestId("controls-rules-save").ClickAsync();

        // The change reaches the customer's open page: the rules ask to be accepted, and the composer waits.
        var dialog = customer.Page.GetByTestId("rules-dialog");
        await Expect(dialog).ToBeVisibleAsync();
        await Expect(dialog.Locator("strong")).ToHaveTextAsync("Be kind");
        await Expect(customer.Composer).ToBeDisabledAsync();
        await Expect(manager.Page.GetByTestId("rules-dialog")).ToHaveCountAsync(0);
        await customer.ScreenshotAsync(Path.Combine(fixture.ScreenshotDir, "room-rules.png"), fullPage: false);

        await dialog.GetByTestId("rules-accept").ClickAsync();
        await Expect(dialog).ToHaveCountAsync(0);
        var tag = Tag();
        await customer.SendWithEnterAsync($"Where do I find my invoice? [{tag}]");

        // A new page load remembers the acceptance.
        await customer.Page.ReloadAsync();
        await Expect(customer.ReadyRoom).ToHaveAttributeAsync("data-room", "billing", new() { Timeout = 15_000 });
        await Expect(customer.Page.GetByTestId("rules-dialog")).ToHaveCountAsync(0);
        await Expect(customer.Page.GetByTestId("room-rules-open")).ToBeVisibleAsync();
    }
}
