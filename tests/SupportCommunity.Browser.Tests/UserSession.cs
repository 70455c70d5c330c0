using System.Text.RegularExpressions;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace SupportCommunity.Browser.Tests;

/// <summary>One user's browser context and page, with the steps the tests repeat.</summary>
public sealed partial class UserSession(IBrowserContext context, IPage page) : IAsyncDisposable
{
    public const string DemoPassword = "Demo123!";

    public IBrowserContext Context { get; } = context;

    public IPage Page { get; } = page;

    /// <summary>Alert, confirm and prompt dialogs this page opened (none should ever open).</summary>
    public List<string> Dialogs { get; } = Track(page);

    public ILocator Room => Page.Locator("[data-testid=room]");

    public ILocator ReadyRoom => Page.Locator("[data-testid=room][data-ready=true]");

    public ILocator Composer => Page.GetByTestId("composer-input");

    public ILocator SendButton => Page.GetByTestId("composer-send");

    public async Task SignInWithDemoPickerAsync(string email)
    {
        await Page.GotoAsync("signin");
        await Page.GetByTestId($"demo-{email}").ClickAsync();
        await Expect(Page).Not.ToHaveURLAsync(SignInUrl(), new() { Timeout = 15_000 });
        await Expect(Page.GetByTestId("signed-in-user")).ToBeVisibleAsync(new() { Timeout = 15_000 });
    }

    public async Task SignInWithFormAsync(string email, string password = DemoPassword)
    {
        await Page.GotoAsync("signin");
        await Page.GetByTestId("signin-email").FillAsync(email);
        await Page.GetByTestId("signin-password").FillAsync(password);
        await Page.GetByTestId("signin-submit").ClickAsync();
        await Expect(Page).Not.ToHaveURLAsync(SignInUrl(), new() { Timeout = 15_000 });
        await Expect(Page.GetByTestId("signed-in-user")).ToBeVisibleAsync(new() { Timeout = 15_000 });
    }

    /// <summary>Loads the room page and waits until it is interactive and shows its messages.</summary>
    public async Task OpenRoomAsync(string slug)
    {
        await Page.GotoAsync($"rooms/{slug}");
        await WaitForRoomAsync(slug);
    }

    public async Task WaitForRoomAsync(string slug)
    {
        await Expect(ReadyRoom).ToHaveAttributeAsync("data-room", slug, new() { Timeout = 15_000 });
        await Expect(Composer).ToBeEditableAsync();
    }

    /// <summary>Every message whose body contains <paramref name="text"/>.</summary>
    public ILocator MessagesWith(string text) =>
        Page.GetByTestId("message").Filter(new() { Has = Page.GetByTestId("message-body").Filter(new() { HasText = text }) });

    public ILocator BodiesWith(string text) => Page.GetByTestId("message-body").Filter(new() { HasText = text });

    /// <summary>Types into the composer and presses Enter, then waits for the message to show.</summary>
    public async Task SendWithEnterAsync(string text)
    {
        await Composer.FillAsync(text);
        await PressEnterAsync(Composer);
        await Expect(MessagesWith(text)).ToHaveCountAsync(1);
        await Expect(Composer).ToHaveValueAsync("");
    }

    /// <summary>
    /// Presses Enter in a composer once its key handler is attached (chat.js marks the box with data-keys): a box
    /// rendered but not yet wired would take Enter as a new line.
    /// </summary>
    public static async Task PressEnterAsync(ILocator composerInput)
    {
        await Expect(composerInput).ToHaveAttributeAsync("data-keys", "on", new() { Timeout = 15_000 });
        await composerInput.PressAsync("Enter");
    }

    public async Task ScreenshotAsync(string path, bool fullPage = true)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        await Page.ScreenshotAsync(new PageScreenshotOptions { Path = path, FullPage = fullPage });
    }

    public async ValueTask DisposeAsync() => await Context.CloseAsync();

    private static List<string> Track(IPage page)
    {
        var dialogs = new List<string>();
        page.Dialog += (_, dialog) =>
        {
            lock (dialogs)
            {
                dialogs.Add($"{dialog.Type}: {dialog.Message}");
            }

            _ = dialog.DismissAsync();
        };
        return dialogs;
    }

    [GeneratedRegex("/signin")]
    private static partial Regex SignInUrl();
}
