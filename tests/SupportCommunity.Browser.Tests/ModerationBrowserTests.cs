using System.Text.RegularExpressions;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace SupportCommunity.Browser.Tests;

/// <summary>Moderation in a real Chromium: the message menu, the timeout dialog, the troll's composer, the audit page.</summary>
public sealed partial class ModerationBrowserTests(BrowserFixture fixture) : IClassFixture<BrowserFixture>
{
    [Fact]
    public async Task Manager_TimesOutTrollFromMessageMenu_TrollComposerShowsTimeLeft()
    {
        await using var troll = await fixture.NewUserAsync();
        await using var manager = await fixture.NewUserAsync();
        await troll.SignInWithFormAsync("customer2@demo.test");
        await manager.SignInWithFormAsync("manager@demo.test");
        await troll.OpenRoomAsync("general");
        await manager.OpenRoomAsync("general");
        var tag = Guid.NewGuid().ToString("N")[..8];
        await troll.SendWithEnterAsync($"BUY FOLLOWERS NOW [{tag}]");

        // The manager opens the message's menu and picks "Time out author…".
        var message = manager.MessagesWith(tag);
        await Expect(message).ToHaveCountAsync(1);
        await message.HoverAsync();
        await message.GetByTestId("moderation-menu").Locator("button").First.ClickAsync();
        await Expect(manager.Page.GetByTestId("moderate-timeout")).ToBeVisibleAsync();
        await Expect(manager.Page.GetByTestId("moderate-ban")).ToBeVisibleAsync();
        await Expect(manager.Page.GetByTestId("moderate-delete")).ToBeVisibleAsync();
        await manager.ScreenshotAsync(Path.Combine(fixture.ScreenshotDir, "moderation-menu.png"), fullPage: false);
        var dialog = manager.Page.Locator(".mud-dialog");
        for (var attempt = 1; ; attempt++)
        {
            // A click that lands while the room re-renders the message (a live event arriving at that instant) is
            // dropped by Blazor, as it would be for a user, who clicks again: so does the test, at most three times.
            await manager.Page.GetByTestId("moderate-timeout").ClickAsync();
            try
            {
                await Expect(dialog).ToBeVisibleAsync(new() { Timeout = 3_000 });
                break;
            }
            catch (PlaywrightException) when (attempt < 3)
            {
                if (!await manager.Page.GetByTestId("moderate-timeout").IsVisibleAsync())
                {
                    await message.HoverAsync();
                    await message.GetByTestId("moderation-menu").Locator("button").First.ClickAsync();
                }
            }
        }

        // Ten minutes, with a reason.
        await Expect(dialog).ToContainTextAsync("Time out Casey Brooks");
        await dialog.GetByTestId("preset-10m").ClickAsync();
        await dialog.Locator("textarea").Last.FillAsync("Spam links");
        await manager.ScreenshotAsync(Path.Combine(fixture.ScreenshotDir, "moderation-timeout-dialog.png"), fullPage: false);
        await dialog.GetByTestId("moderation-confirm").ClickAsync();
        await Expect(manager.Page.Locator(".mud-snackbar")).ToContainTextAsync("Casey Brooks is timed out for");

        // The troll's composer is disabled at once and counts down.
        var notice = troll.Page.GetByTestId("composer-sanction");
        await Expect(notice).ToHaveTextAsync(TimedOut());
        await Expect(troll.Composer).ToBeDisabledAsync();
        var first = await notice.TextContentAsync();
        await Expect(notice).Not.ToHaveTextAsync(first!, new() { Timeout = 5_000 });
        await troll.ScreenshotAsync(Path.Combine(fixture.ScreenshotDir, "moderation-timed-out-composer.png"), fullPage: false);

        // The audit page holds the timeout with its reason.
        await manager.Page.GotoAsync("moderation/audit");
        var row = manager.Page.GetByTestId("audit-table").Locator("tr").Filter(new() { HasText = "Spam links" });
        await Expect(row).ToHaveCountAsync(1, new() { Timeout = 15_000 });
        await Expect(row).ToContainTextAsync("sanction.timeout");
        await Expect(row).ToContainTextAsync("Casey Brooks");
        await manager.ScreenshotAsync(Path.Combine(fixture.ScreenshotDir, "moderation-audit.png"), fullPage: false);
        Assert.Empty(manager.Dialogs);
        Assert.Empty(troll.Dialogs);
    }

    [GeneratedRegex(@"You're timed out for (9:5\d|10:00) — Spam links")]
    private static partial Regex TimedOut();
}
