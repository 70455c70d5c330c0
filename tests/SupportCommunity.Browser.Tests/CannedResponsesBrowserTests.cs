using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace SupportCommunity.Browser.Tests;

/// <summary>Canned responses in a real Chromium: the manager inserts one with <c>/</c> and sends it, and manages them on their page.</summary>
public sealed class CannedResponsesBrowserTests(BrowserFixture fixture) : IClassFixture<BrowserFixture>
{
    private static string Tag() => Guid.NewGuid().ToString("N")[..8];

    [Fact]
    public async Task Manager_TypesSlashWelcomeInARoom_SendsTheExpandedText()
    {
        await using var manager = await fixture.NewUserAsync();
        await manager.SignInWithDemoPickerAsync("manager@demo.test");
        await manager.OpenRoomAsync("general");

        await manager.Composer.PressSequentiallyAsync("/welc");
        var option = manager.Page.Locator("[data-testid=canned-option][data-shortcut=welcome]");
        await Expect(option).ToHaveAttributeAsync("aria-selected", "true");
        await Expect(option).ToContainTextAsync("Welcome to #General! I'm Maya Chen");
        await manager.ScreenshotAsync(Path.Combine(fixture.ScreenshotDir, "canned-picker.png"), fullPage: false);

        // Enter inserts (the list holds the key back from sending), a second Enter sends.
        await UserSession.PressEnterAsync(manager.Composer);
        const string welcome = "Welcome to #General! I'm Maya Chen from the Nimbus team. Ask away: the community and our staff are here to help.";
        await Expect(manager.Composer).ToHaveValueAsync(welcome);
        await Expect(manager.Page.GetByTestId("canned-list")).ToHaveCountAsync(0);
        var tag = Tag();
        await manager.Composer.PressSequentiallyAsync($" [{tag}]");
        await UserSession.PressEnterAsync(manager.Composer);

        var sent = manager.MessagesWith(tag);
        await Expect(sent).ToHaveCountAsync(1);
        await Expect(sent.GetByTestId("message-body")).ToHaveTextAsync($"{welcome} [{tag}]");
        await Expect(manager.Composer).ToHaveValueAsync("");
    }

    [Fact]
    public async Task Manager_AddsAPersonalResponseThenDeletesAndUndoes()
    {
        await using var manager = await fixture.NewUserAsync();
        await manager.SignInWithDemoPickerAsync("manager@demo.test");
        await Expect(manager.Page.GetByTestId("canned-link")).ToHaveAttributeAsync("href", "canned-responses");
        // A full load rather than a click on the link: leaving a room that is still loading can break the circuit
        // (MessageList's after-render meets its disposed JS module), which is not what this test is about.
        await manager.Page.GotoAsync("canned-responses");
        await Expect(manager.Page.GetByTestId("canned-page")).ToHaveAttributeAsync("data-ready", "true");
        var rows = manager.Page.GetByTestId("canned-row-shortcut");
        await Expect(rows.Filter(new() { HasText = "/welcome" })).ToHaveCountAsync(1);
        await manager.ScreenshotAsync(Path.Combine(fixture.ScreenshotDir, "canned-page.png"), fullPage: false);

        var shortcut = "wait-" + Tag();
        await manager.Page.GetByTestId("canned-add").ClickAsync();
        var dialog = manager.Page.Locator(".mud-dialog");
        await dialog.Locator("[data-testid=canned-shortcut] input, input[data-testid=canned-shortcut]").FillAsync(shortcut);
        await dialog.Locator("[data-testid=canned-body] textarea, textarea[data-testid=canned-body]").FillAsync("Thanks for waiting, ");
        await dialog.GetByTestId("canned-placeholder").Filter(new() { HasText = "{customer.name}" }).ClickAsync();
        var shared = dialog.Locator("input[data-testid=canned-shared]");
        await shared.ClickAsync();
        await Expect(shared).ToHaveAttributeAsync("aria-checked", "false");
        await manager.ScreenshotAsync(Path.Combine(fixture.ScreenshotDir, "canned-dialog.png"), fullPage: false);
        await dialog.GetByTestId("canned-save").ClickAsync();

        var row = manager.Page.Locator("tr").Filter(new() { Has = manager.Page.GetByTestId("canned-row-shortcut").Filter(new() { HasText = "/" + shortcut }) });
        await Expect(row).ToHaveCountAsync(1);
        await Expect(row).ToContainTextAsync("Thanks for waiting, {customer.name}");
        await Expect(row).ToContainTextAsync("Personal");

        await row.GetByTestId("canned-delete").ClickAsync();
        await Expect(row).ToHaveCountAsync(0);
        var snackbar = manager.Page.Locator(".mud-snackbar").Filter(new() { HasText = $"/{shortcut} deleted." });
        await snackbar.GetByRole(AriaRole.Button, new() { Name = "Undo" }).ClickAsync();
        await Expect(row).ToHaveCountAsync(1);
        await Expect(manager.Page.Locator(".mud-snackbar").Filter(new() { HasText = $"/{shortcut} is back." })).ToHaveCountAsync(1);
        await manager.ScreenshotAsync(Path.Combine(fixture.ScreenshotDir, "canned-undo.png"), fullPage: false);
    }
}
