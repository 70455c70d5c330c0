using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace SupportCommunity.Browser.Tests;

/// <summary>Reports and the moderation queue (issue 6 item 6), walked in Chromium by a customer and a manager.</summary>
public sealed class ReportBrowserTests(BrowserFixture fixture) : IClassFixture<BrowserFixture>
{
    [Fact]
    public async Task ReportMessage_CustomerReports_ManagerSeesItLiveInTheQueueAndDismissesIt()
    {
        await using var troll = await fixture.NewUserAsync();
        await using var customer = await fixture.NewUserAsync();
        await using var manager = await fixture.NewUserAsync();
        await troll.SignInWithDemoPickerAsync("customer2@demo.test");
        await customer.SignInWithDemoPickerAsync("customer@demo.test");
        await manager.SignInWithDemoPickerAsync("manager@demo.test");

        // The manager has the queue open before anything is reported.
        await manager.Page.GotoAsync("moderation/queue");
        await Expect(manager.Page.GetByTestId("queue-empty")).ToHaveTextAsync(new System.Text.RegularExpressions.Regex("Nothing to review. Nice and calm."),
            new() { Timeout = 15_000 });
        await Expect(manager.Page.GetByTestId("moderation-count")).ToHaveCountAsync(0);

        var tag = Guid.NewGuid().ToString("N")[..8];
        var rude = $"Nobody here knows anything, you are all useless [{tag}]";
        await troll.OpenRoomAsync("general");
        await troll.SendWithEnterAsync("Does anyone know how to export my notes?");
        await troll.SendWithEnterAsync(rude);
        await troll.SendWithEnterAsync("Whatever, I'll figure it out myself.");

        // The customer reports it from the message's actions.
        await customer.OpenRoomAsync("general");
        var message = customer.MessagesWith(rude);
        await message.HoverAsync();
        await message.GetByTestId("report-message").ClickAsync();
        var dialog = customer.Page.GetByTestId("report-dialog");
        await Expect(dialog).ToBeVisibleAsync();
        await customer.Page.GetByTestId("report-reason-harassment").ClickAsync();
        await customer.Page.Locator("[data-testid=report-details] textarea, textarea[data-testid=report-details]").FillAsync("Insults the whole room");
        await customer.Page.GetByTestId("report-submit").ClickAsync();
        await Expect(customer.Page.GetByText("Thanks, a moderator will look at it")).ToBeVisibleAsync();
        await Expect(dialog).ToHaveCountAsync(0);

        // It appears in the manager's queue without a reload, with the nav badge.
        var item = manager.Page.GetByTestId("queue-report").Filter(new() { HasText = tag });
        await Expect(item).ToHaveCountAsync(1);
        await Expect(item.GetByTestId("queue-body")).ToHaveTextAsync(rude);
        await Expect(item).ToContainTextAsync("harassment: Insults the whole room");
        await Expect(item).ToContainTextAsync("Jordan Lee");
        await Expect(item.GetByTestId("queue-report-count")).ToHaveTextAsync("1 report");
        await Expect(manager.Page.GetByTestId("moderation-count")).ToHaveTextAsync("1");

        await item.GetByTestId("queue-expand").ClickAsync();
        var context = item.GetByTestId("queue-context");
        await Expect(context).ToContainTextAsync("Does anyone know how to export my notes?");
        await Expect(context).ToContainTextAsync("Whatever, I'll figure it out myself.");
        await Expect(context.GetByTestId("queue-no-sanctions")).ToBeVisibleAsync();
        await manager.ScreenshotAsync(Path.Combine(fixture.ScreenshotDir, "moderation-queue.png"), fullPage: false);

        // Dismissed with a reason: the queue is calm again, and the badge goes.
        await item.GetByTestId("queue-dismiss").ClickAsync();
        await manager.Page.Locator("[data-testid=reason-input] input, input[data-testid=reason-input]").FillAsync("Rude but not abusive");
        await manager.Page.GetByTestId("reason-confirm").ClickAsync();
        await Expect(manager.Page.GetByText("Reports dismissed.")).ToBeVisibleAsync();
        await Expect(manager.Page.GetByTestId("queue-empty")).ToBeVisibleAsync();
        await Expect(manager.Page.GetByTestId("moderation-count")).ToHaveCountAsync(0);
    }
}
