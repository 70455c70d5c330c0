using System.Globalization;
using static Microsoft.Playwright.Assertions;

namespace SupportCommunity.Browser.Tests;

/// <summary>
/// The acceptance scenario of design.md §1 in two real browsers, on a community of its own (a fresh demo database),
/// so that its screenshots show the demo conversation and this exchange only.
/// </summary>
public sealed class AcceptanceBrowserTests(BrowserFixture fixture) : IClassFixture<BrowserFixture>
{
    [Fact]
    public async Task CustomerQuestion_ManagerAnswersLive_BothSeeEachMessageOnceWithRoleBadge()
    {
        await using var customer = await fixture.NewUserAsync();
        await using var manager = await fixture.NewUserAsync();
        await customer.Page.GotoAsync("signin");
        await customer.ScreenshotAsync(Path.Combine(fixture.ScreenshotDir, "signin.png"));
        await customer.SignInWithDemoPickerAsync("customer@demo.test");
        await manager.SignInWithFormAsync("manager@demo.test");
        await Expect(customer.Page.GetByTestId("signed-in-user")).ToHaveTextAsync("Jordan Lee");
        await Expect(manager.Page.GetByTestId("signed-in-user")).ToHaveTextAsync("Maya Chen");

        await customer.OpenRoomAsync("general");
        await manager.OpenRoomAsync("general");
        // Presence: each sees the other in the room's online bar.
        await Expect(customer.Page.GetByTestId("online")).ToContainTextAsync("MC");
        await Expect(manager.Page.GetByTestId("online")).ToContainTextAsync("JL");

        // This class has a community of its own, so plain text is unique here (and reads well in the README picture).
        var question = "How do I share a folder with my team?";
        await customer.Composer.FillAsync(question);
        await UserSession.PressEnterAsync(customer.Composer);
        await Expect(customer.MessagesWith(question)).ToHaveCountAsync(1);
        await Expect(customer.Composer).ToHaveValueAsync("");

        // The manager did not reload: the question arrives live.
        await Expect(manager.MessagesWith(question)).ToHaveCountAsync(1);
        await Expect(manager.MessagesWith(question).GetByTestId("message-author")).ToHaveTextAsync("Jordan Lee");

        var answer = "Right-click the folder and choose **Share**, then add their emails. They get an invite right away.";
        var answerText = "Right-click the folder and choose Share, then add their emails. They get an invite right away.";
        await manager.Composer.FillAsync(answer);
        await manager.SendButton.ClickAsync();
        await Expect(manager.MessagesWith(answerText)).ToHaveCountAsync(1);
        await Expect(manager.Composer).ToHaveValueAsync("");

        // The customer sees the answer live, from the community manager, with the role badge next to the name.
        var received = customer.MessagesWith(answerText);
        await Expect(received).ToHaveCountAsync(1);
        await Expect(received.GetByTestId("message-author")).ToHaveTextAsync("Maya Chen");
        await Expect(received.GetByTestId("role-badge")).ToHaveTextAsync("Community manager");
        await Expect(received.Locator("strong")).ToHaveTextAsync("Share");

        // Each message exactly once on both sides, in order: question before answer.
        foreach (var user in new[] { customer, manager })
        {
            await Expect(user.BodiesWith(question)).ToHaveCountAsync(1);
            await Expect(user.BodiesWith(answerText)).ToHaveCountAsync(1);
            var questionSequence = long.Parse(await user.MessagesWith(question).GetAttributeAsync("data-sequence") ?? "0", CultureInfo.InvariantCulture);
            var answerSequence = long.Parse(await user.MessagesWith(answerText).GetAttributeAsync("data-sequence") ?? "0", CultureInfo.InvariantCulture);
            Assert.True(answerSequence > questionSequence, $"answer #{answerSequence} should follow question #{questionSequence}");
        }

        Assert.Empty(customer.Dialogs);
        Assert.Empty(manager.Dialogs);

        await customer.ScreenshotAsync(Path.Combine(fixture.ScreenshotDir, "acceptance-customer.png"));
        await manager.ScreenshotAsync(Path.Combine(fixture.ScreenshotDir, "acceptance-manager.png"));
        if (Environment.GetEnvironmentVariable("SUPPORTCOMMUNITY_SCREENSHOT_DIR") is { Length: > 0 } readmeDir)
        {
            // The README picture: the customer's view at 1280x800 (the context's viewport), after the exchange.
            await customer.ScreenshotAsync(Path.Combine(readmeDir, "room.png"), fullPage: false);
        }
    }
}
