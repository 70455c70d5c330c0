using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace SupportCommunity.Browser.Tests;

/// <summary>
/// The community in a real Chromium against the real app. Each test signs in its own demo users (each in its own
/// browser context) and uses bodies with a unique tag, so the tests do not see each other's messages.
/// </summary>
public sealed class RoomBrowserTests(BrowserFixture fixture) : IClassFixture<BrowserFixture>
{
    private static string Tag() => Guid.NewGuid().ToString("N")[..8];

    [Fact]
    public async Task CustomerQuestion_ManagerAnswersLive_BothSeeEachMessageOnceWithRoleBadge()
    {
        await using var customer = await fixture.NewUserAsync();
        await using var manager = await fixture.NewUserAsync();
        await customer.SignInWithDemoPickerAsync("customer@demo.test");
        await manager.SignInWithFormAsync("manager@demo.test");
        await Expect(customer.Page.GetByTestId("signed-in-user")).ToHaveTextAsync("Jordan Lee");
        await Expect(manager.Page.GetByTestId("signed-in-user")).ToHaveTextAsync("Maya Chen");

        await customer.OpenRoomAsync("general");
        await manager.OpenRoomAsync("general");

        var tag = Tag();
        var question = $"How do I share a folder with my team? [{tag}]";
        await customer.Composer.FillAsync(question);
        await customer.Composer.PressAsync("Enter");
        await Expect(customer.MessagesWith(question)).ToHaveCountAsync(1);
        await Expect(customer.Composer).ToHaveValueAsync("");

        // The manager did not reload: the question arrives live.
        await Expect(manager.MessagesWith(question)).ToHaveCountAsync(1);
        await Expect(manager.MessagesWith(question).GetByTestId("message-author")).ToHaveTextAsync("Jordan Lee");

        var answer = $"Right-click the folder and choose **Share**, then add their emails. [{tag}]";
        var answerText = $"Right-click the folder and choose Share, then add their emails. [{tag}]";
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
            var questionSequence = long.Parse(await user.MessagesWith(question).GetAttributeAsync("data-sequence") ?? "0", System.Globalization.CultureInfo.InvariantCulture);
            var answerSequence = long.Parse(await user.MessagesWith(answerText).GetAttributeAsync("data-sequence") ?? "0", System.Globalization.CultureInfo.InvariantCulture);
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
