using System.Text.RegularExpressions;
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
    public async Task Composer_ShiftEnterThenEnter_SendsOneTwoLineMessage()
    {
        await using var member = await fixture.NewUserAsync();
        await member.SignInWithDemoPickerAsync("member@demo.test");
        await member.OpenRoomAsync("general");

        var tag = Tag();
        var first = $"First line [{tag}]";
        await member.Composer.PressSequentiallyAsync(first);
        await member.Composer.PressAsync("Shift+Enter");
        await member.Composer.PressSequentiallyAsync("second line");

        // Shift+Enter added a line and sent nothing: the text is still in the box, in two lines.
        await Expect(member.Composer).ToHaveValueAsync($"{first}\nsecond line");
        await Expect(member.MessagesWith(tag)).ToHaveCountAsync(0);

        await UserSession.PressEnterAsync(member.Composer);
        var sent = member.MessagesWith(tag);
        await Expect(sent).ToHaveCountAsync(1);
        await Expect(member.Composer).ToHaveValueAsync("");
        var body = sent.GetByTestId("message-body");
        await Expect(body).ToContainTextAsync(first);
        await Expect(body).ToContainTextAsync("second line");
        // Both lines in one message, on two lines.
        await Expect(body.Locator("br")).ToHaveCountAsync(1);
        var lines = (await body.InnerTextAsync()).Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        Assert.Equal([first, "second line"], lines);
    }

    [Fact]
    public async Task Composer_NearAndOverLimit_ShowsCounterThenDisablesSendWithError()
    {
        await using var member = await fixture.NewUserAsync();
        await member.SignInWithDemoPickerAsync("member@demo.test");
        await member.OpenRoomAsync("general");
        var counter = member.Page.GetByTestId("composer-counter");
        var error = member.Page.GetByTestId("composer-error");

        await member.Composer.FillAsync("Short question?");
        await Expect(counter).ToHaveCountAsync(0);
        await Expect(member.SendButton).ToBeEnabledAsync();

        // Near the limit (80 %), the counter appears.
        await member.Composer.FillAsync(new string('a', 3_500));
        await Expect(counter).ToHaveTextAsync("3,500 / 4,000");
        await Expect(error).ToHaveCountAsync(0);
        await Expect(member.SendButton).ToBeEnabledAsync();

        // Exactly at the limit it may still be sent.
        await member.Composer.FillAsync(new string('b', 4_000));
        await Expect(counter).ToHaveTextAsync("4,000 / 4,000");
        await Expect(member.SendButton).ToBeEnabledAsync();

        // Over the limit: send is disabled, the error says by how much, and Enter sends nothing.
        var tooLong = new string('c', 4_001);
        await member.Composer.FillAsync(tooLong);
        await Expect(counter).ToHaveTextAsync("4,001 / 4,000");
        await Expect(member.SendButton).ToBeDisabledAsync();
        await Expect(error).ToBeVisibleAsync();
        await Expect(error).ToContainTextAsync("Too long by 1");
        await UserSession.PressEnterAsync(member.Composer);
        await Expect(member.Composer).ToHaveValueAsync(tooLong);
        await Expect(member.MessagesWith("cccccccccc")).ToHaveCountAsync(0);

        // Back under the limit, everything returns to normal.
        await member.Composer.FillAsync("Short again");
        await Expect(counter).ToHaveCountAsync(0);
        await Expect(error).ToHaveCountAsync(0);
        await Expect(member.SendButton).ToBeEnabledAsync();
        await member.Composer.FillAsync("");
        await Expect(member.SendButton).ToBeDisabledAsync();
    }

    [Fact]
    public async Task OwnMessage_EditedThenDeleted_OtherUserSeesBothLive()
    {
        await using var author = await fixture.NewUserAsync();
        await using var reader = await fixture.NewUserAsync();
        await author.SignInWithDemoPickerAsync("customer2@demo.test");
        await reader.SignInWithDemoPickerAsync("customer@demo.test");
        await author.OpenRoomAsync("general");
        await reader.OpenRoomAsync("general");

        var tag = Tag();
        var original = $"Is there a dark mode on mobile? [{tag}]";
        await author.Composer.PressSequentiallyAsync("Is there");
        // The reader sees who is typing before anything is sent.
        await Expect(reader.Page.GetByTestId("typing")).ToContainTextAsync("Casey Brooks is typing");
        await author.Composer.FillAsync(original);
        await UserSession.PressEnterAsync(author.Composer);
        await Expect(reader.MessagesWith(original)).ToHaveCountAsync(1);
        var sequence = await author.MessagesWith(original).GetAttributeAsync("data-sequence");
        var mine = author.Page.Locator($"[data-testid=message][data-sequence='{sequence}']");
        var theirs = reader.Page.Locator($"[data-testid=message][data-sequence='{sequence}']");

        // Someone else's message offers no edit or delete, even on hover.
        await theirs.HoverAsync();
        await Expect(theirs.GetByTestId("edit-message")).ToHaveCountAsync(0);
        await Expect(theirs.GetByTestId("delete-message")).ToHaveCountAsync(0);

        // Edit through the hover actions.
        await mine.HoverAsync();
        await mine.GetByTestId("edit-message").ClickAsync();
        var editor = mine.GetByTestId("edit-input");
        await Expect(editor).ToHaveValueAsync(original);
        var edited = $"Is there a dark mode in the mobile app? [{tag}]";
        // Typed key by key, as a person would: no keystroke may be lost to a late render.
        await editor.FillAsync("");
        await editor.PressSequentiallyAsync(edited);
        await Expect(editor).ToHaveValueAsync(edited);
        await mine.GetByTestId("edit-save").ClickAsync();
        await Expect(editor).ToHaveCountAsync(0);
        await Expect(mine.GetByTestId("message-body")).ToHaveTextAsync(edited);
        await Expect(mine.GetByText("(edited)")).ToBeVisibleAsync();

        await Expect(theirs.GetByTestId("message-body")).ToHaveTextAsync(edited);
        await Expect(theirs.GetByText("(edited)")).ToBeVisibleAsync();
        await Expect(reader.BodiesWith(original)).ToHaveCountAsync(0);

        // Delete, with the confirmation step.
        await mine.HoverAsync();
        await mine.GetByTestId("delete-message").ClickAsync();
        await mine.GetByTestId("delete-confirm").ClickAsync();
        await Expect(mine.GetByTestId("message-body")).ToHaveTextAsync("This message was deleted.");
        await Expect(theirs.GetByTestId("message-body")).ToHaveTextAsync("This message was deleted.");
        await Expect(reader.BodiesWith(tag)).ToHaveCountAsync(0);
        await mine.HoverAsync();
        await Expect(mine.GetByTestId("edit-message")).ToHaveCountAsync(0);
    }

    [Fact]
    public async Task UnreadBadge_MessageInOtherRoom_AppearsLiveAndClearsWhenOpened()
    {
        await using var customer = await fixture.NewUserAsync();
        await using var manager = await fixture.NewUserAsync();
        await customer.SignInWithDemoPickerAsync("customer2@demo.test");
        await manager.SignInWithDemoPickerAsync("manager@demo.test");
        var badge = customer.Page.GetByTestId("unread-billing");

        // The customer reads #billing, then moves to #general inside the same page.
        await customer.OpenRoomAsync("billing");
        await Expect(badge).ToHaveCountAsync(0);
        await customer.Page.GetByTestId("room-link-general").ClickAsync();
        await customer.WaitForRoomAsync("general");
        // Billing was just read: no badge for it.
        await Expect(badge).ToHaveCountAsync(0);

        await manager.OpenRoomAsync("billing");
        var tag = Tag();
        await manager.SendWithEnterAsync($"Heads-up: invoices for March are out. [{tag}]");

        await Expect(badge).ToHaveTextAsync("1");

        await customer.Page.GetByTestId("room-link-billing").ClickAsync();
        await customer.WaitForRoomAsync("billing");
        await Expect(customer.MessagesWith(tag)).ToHaveCountAsync(1);
        await Expect(badge).ToHaveCountAsync(0);

        // Leaving the room again brings no badge back, nor does a reload (the read mark was saved).
        await customer.Page.GetByTestId("room-link-general").ClickAsync();
        await customer.WaitForRoomAsync("general");
        await Expect(badge).ToHaveCountAsync(0);
        await customer.OpenRoomAsync("general");
        await Expect(customer.Page.GetByTestId("room-link-billing")).ToBeVisibleAsync();
        await Expect(badge).ToHaveCountAsync(0);
    }

    [Fact]
    public async Task Draft_PageReloaded_KeptPerRoom()
    {
        await using var agent = await fixture.NewUserAsync();
        await agent.SignInWithDemoPickerAsync("agent@demo.test");
        await agent.OpenRoomAsync("general");

        var draft = $"Half-written answer about sync [{Tag()}]";
        await agent.Composer.FillAsync(draft);
        // The draft is saved shortly after typing stops.
        await agent.Page.WaitForFunctionAsync("() => localStorage.getItem('draft:general') !== null");

        await agent.Page.ReloadAsync();
        await agent.WaitForRoomAsync("general");
        await Expect(agent.Composer).ToHaveValueAsync(draft);
        await Expect(agent.MessagesWith(draft)).ToHaveCountAsync(0);

        // Another room has its own (empty) draft; coming back brings this one back.
        await agent.Page.GetByTestId("room-link-billing").ClickAsync();
        await agent.WaitForRoomAsync("billing");
        await Expect(agent.Composer).ToHaveValueAsync("");
        await agent.Page.GetByTestId("room-link-general").ClickAsync();
        await agent.WaitForRoomAsync("general");
        await Expect(agent.Composer).ToHaveValueAsync(draft);
    }

    [Fact]
    public async Task DarkTheme_PageReloaded_StaysDark()
    {
        await using var agent = await fixture.NewUserAsync();
        await agent.SignInWithDemoPickerAsync("agent@demo.test");
        await agent.OpenRoomAsync("general");
        var body = agent.Page.Locator("body");

        // CommunityTheme: light background #f5f6fa, dark background #14151c.
        await Expect(body).ToHaveCSSAsync("background-color", "rgb(245, 246, 250)");
        await agent.Page.GetByTestId("theme-toggle").ClickAsync();
        await Expect(body).ToHaveCSSAsync("background-color", "rgb(20, 21, 28)");
        await agent.Page.WaitForFunctionAsync("() => localStorage.getItem('theme') !== null");

        await agent.Page.ReloadAsync();
        await agent.WaitForRoomAsync("general");
        await Expect(body).ToHaveCSSAsync("background-color", "rgb(20, 21, 28)");
        await Expect(agent.Page.Locator(".mud-appbar")).ToHaveCSSAsync("background-color", "rgb(26, 27, 38)");
        await Expect(agent.Page.GetByTestId("theme-toggle")).ToHaveAttributeAsync("aria-label", "Toggle dark theme");
        await agent.ScreenshotAsync(Path.Combine(fixture.ScreenshotDir, "room-dark.png"));
    }

    [Fact]
    public async Task Markdown_UnsafeInput_RendersSafelyWithoutScript()
    {
        await using var author = await fixture.NewUserAsync();
        await using var reader = await fixture.NewUserAsync();
        await author.SignInWithDemoPickerAsync("moderator@demo.test");
        await reader.SignInWithDemoPickerAsync("customer@demo.test");
        await author.OpenRoomAsync("general");
        await reader.OpenRoomAsync("general");

        var tag = Tag();
        var markdown = $"**bold** see [docs](https://example.com/docs) <script>alert(1)</script> "
            + $"<img src=x onerror=alert(1)> [x](javascript:alert(1)) ![pic](https://example.com/a.png) [{tag}]";
        await author.Composer.FillAsync(markdown);
        await UserSession.PressEnterAsync(author.Composer);

        foreach (var user in new[] { author, reader })
        {
            var body = user.MessagesWith(tag).GetByTestId("message-body");
            await Expect(body).ToHaveCountAsync(1);

            await Expect(body.Locator("strong")).ToHaveTextAsync("bold");
            // Raw HTML is shown as text, never as elements.
            await Expect(body).ToContainTextAsync("<script>alert(1)</script>");
            await Expect(body).ToContainTextAsync("<img src=x onerror=alert(1)>");
            await Expect(body.Locator("script")).ToHaveCountAsync(0);
            await Expect(body.Locator("[onerror]")).ToHaveCountAsync(0);
            // No image from another site: the external image is a plain link.
            await Expect(body.Locator("img")).ToHaveCountAsync(0);
            await Expect(body.GetByRole(AriaRole.Link, new() { Name = "pic" })).ToHaveAttributeAsync("href", "https://example.com/a.png");
            // The javascript: link keeps its text but loses its target.
            await Expect(body.Locator("a[href^='javascript' i]")).ToHaveCountAsync(0);
            var scriptLink = body.Locator("a:text-is('x')");
            await Expect(scriptLink).ToHaveCountAsync(1);
            Assert.False(await scriptLink.EvaluateAsync<bool>("a => a.hasAttribute('href')"), "the javascript: link must have no href");
            // Every remaining link is marked nofollow.
            var links = body.Locator("a[href]");
            await Expect(links).ToHaveCountAsync(2);
            foreach (var link in await links.AllAsync())
            {
                await Expect(link).ToHaveAttributeAsync("rel", new Regex(@"\bnofollow\b"));
            }
        }

        // A reload renders the stored message the same way; no script ran anywhere.
        await reader.OpenRoomAsync("general");
        await Expect(reader.MessagesWith(tag).Locator("strong")).ToHaveTextAsync("bold");
        Assert.Empty(author.Dialogs);
        Assert.Empty(reader.Dialogs);
    }

    [Fact]
    public async Task SignUp_NewCustomer_LandsInRoomAndCanPost()
    {
        await using var visitor = await fixture.NewUserAsync();
        var tag = Tag();
        var name = $"Robin {tag}";
        await visitor.Page.GotoAsync("signup");
        await visitor.Page.GetByTestId("signup-name").FillAsync(name);
        await visitor.Page.GetByTestId("signup-email").FillAsync($"robin-{tag}@example.test");
        await visitor.Page.GetByTestId("signup-password").FillAsync("Nimbus-2025!");
        await visitor.Page.GetByTestId("signup-confirm").FillAsync("Nimbus-2025!");
        await visitor.Page.GetByTestId("signup-submit").ClickAsync();

        // Straight into the community: the first room, signed in as the new customer.
        await Expect(visitor.ReadyRoom).ToBeVisibleAsync(new() { Timeout = 15_000 });
        await Expect(visitor.Page).ToHaveURLAsync(new Regex("/rooms/general$"));
        await Expect(visitor.Page.GetByTestId("signed-in-user")).ToHaveTextAsync(name);
        await Expect(visitor.Page.Locator(".user-badge").GetByTestId("role-badge")).ToHaveTextAsync("Customer");

        var hello = $"Hello, I'm new here! [{tag}]";
        await visitor.SendWithEnterAsync(hello);
        await Expect(visitor.MessagesWith(hello).GetByTestId("message-author")).ToHaveTextAsync(name);
        // Customers carry no role badge in the message list.
        await Expect(visitor.MessagesWith(hello).GetByTestId("role-badge")).ToHaveCountAsync(0);
    }
}
