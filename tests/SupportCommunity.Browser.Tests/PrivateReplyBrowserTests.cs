using System.Text.RegularExpressions;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace SupportCommunity.Browser.Tests;

/// <summary>
/// Answering publicly and privately (issue 5), walked in Chromium as its users would: threads in a room, and a public
/// question answered privately and then summarised in public.
/// </summary>
public sealed class PrivateReplyBrowserTests(BrowserFixture fixture) : IClassFixture<BrowserFixture>
{
    private static string Tag() => Guid.NewGuid().ToString("N")[..8];

    [Fact]
    public async Task ReplyPrivately_ManagerAnswersAndSummarises_CustomerSeesReplyLiveAndOthersOnlyTheSummary()
    {
        await using var customer = await fixture.NewUserAsync();
        await using var manager = await fixture.NewUserAsync();
        await using var other = await fixture.NewUserAsync();
        await customer.SignInWithDemoPickerAsync("customer@demo.test");
        await manager.SignInWithDemoPickerAsync("manager@demo.test");
        await other.SignInWithDemoPickerAsync("customer2@demo.test");
        await customer.OpenRoomAsync("general");
        await manager.OpenRoomAsync("general");
        await other.OpenRoomAsync("general");

        var tag = Tag();
        var question = $"I was charged twice for March, can someone look at my account? [{tag}]";
        await customer.SendWithEnterAsync(question);
        var sequence = await customer.MessagesWith(question).GetAttributeAsync("data-sequence");

        // Customers are not offered a private reply; the manager is, on the customer's message.
        var seenByOther = other.Page.Locator($"[data-testid=message][data-sequence='{sequence}']");
        await seenByOther.HoverAsync();
        await Expect(seenByOther.GetByTestId("reply-message")).ToBeVisibleAsync();
        await Expect(seenByOther.GetByTestId("reply-privately")).ToHaveCountAsync(0);

        var seenByManager = manager.Page.Locator($"[data-testid=message][data-sequence='{sequence}']");
        await seenByManager.HoverAsync();
        await seenByManager.GetByTestId("reply-privately").ClickAsync();
        await Expect(manager.Page).ToHaveURLAsync(new Regex("/conversations/private-[0-9a-f]+$"));
        var conversationPath = new Uri(manager.Page.Url).AbsolutePath;
        var staffView = manager.Page.GetByTestId("conversation-main");
        await Expect(staffView.Locator("[data-testid=room][data-ready=true]")).ToBeVisibleAsync();
        await Expect(manager.Page.GetByTestId("conversation-heading")).ToHaveTextAsync("Jordan Lee");
        await Expect(manager.Page.GetByTestId("conversation-source")).ToContainTextAsync(tag);
        await Expect(manager.Page.GetByTestId("staff-notes")).ToContainTextAsync("Only staff can see notes");
        await Expect(manager.Page.GetByTestId("staff-notes")).ToContainTextAsync("No notes yet");

        // The public question shows the marker live: to its author as a link to the conversation, to others discreetly.
        var ownQuestion = customer.MessagesWith(question);
        await Expect(ownQuestion.GetByTestId("private-marker")).ToHaveTextAsync("We've replied privately");
        await Expect(seenByOther.GetByTestId("private-marker")).ToHaveTextAsync("A staff member is helping privately");
        await ownQuestion.GetByTestId("private-marker").ClickAsync();
        await Expect(customer.Page).ToHaveURLAsync(new Regex(Regex.Escape(conversationPath) + "$"));
        var customerView = customer.Page.GetByTestId("conversation-main");
        await Expect(customerView.Locator("[data-testid=room][data-ready=true]")).ToBeVisibleAsync();
        await Expect(customer.Page.GetByTestId("summary-opt-out")).ToBeVisibleAsync();
        await Expect(customer.Page.GetByTestId("staff-notes")).ToHaveCountAsync(0);

        // A staff note and a private reply: the customer sees the reply live, never the note.
        var note = $"Refund R-{tag} issued for the duplicate charge";
        var notes = manager.Page.GetByTestId("staff-notes");
        await notes.GetByTestId("composer-input").FillAsync(note);
        await UserSession.PressEnterAsync(notes.GetByTestId("composer-input"));
        await Expect(notes.GetByTestId("message-body").Filter(new() { HasText = note })).ToHaveCountAsync(1);
        var privateReply = $"Hi Jordan, I found the duplicate charge and refunded it [{tag}-private]";
        await staffView.GetByTestId("composer-input").FillAsync(privateReply);
        await UserSession.PressEnterAsync(staffView.GetByTestId("composer-input"));
        await Expect(staffView.GetByTestId("message-body").Filter(new() { HasText = privateReply })).ToHaveCountAsync(1);
        await Expect(customerView.GetByTestId("message-body").Filter(new() { HasText = privateReply })).ToHaveCountAsync(1);
        await Expect(customer.Page.GetByText(note)).ToHaveCountAsync(0);

        // The manager posts a public summary under the question.
        var summary = $"Solved privately: a duplicate March charge, refunded [{tag}-summary]";
        await manager.Page.GetByTestId("summary-open").ClickAsync();
        var summaryText = manager.Page.Locator("textarea[data-testid=summary-text], [data-testid=summary-text] textarea");
        await summaryText.FillAsync(summary);
        await manager.Page.GetByTestId("summary-post").ClickAsync();
        await Expect(manager.Page.GetByText("Summary posted under the question in #General")).ToBeVisibleAsync();

        // Another customer sees the summary live, quoting the question, and nothing of the private conversation.
        var summarySeen = other.MessagesWith(summary);
        await Expect(summarySeen).ToHaveCountAsync(1);
        await Expect(summarySeen.GetByTestId("reply-quote")).ToContainTextAsync("Jordan Lee");
        await Expect(summarySeen.GetByTestId("reply-quote")).ToContainTextAsync(tag);
        await Expect(seenByOther.GetByTestId("reply-count")).ToHaveTextAsync("1 reply");
        await Expect(other.Page.GetByText(privateReply)).ToHaveCountAsync(0);
        await Expect(other.Page.GetByText(note)).ToHaveCountAsync(0);
        await other.Page.GotoAsync(conversationPath.TrimStart('/'));
        await Expect(other.Page.GetByTestId("conversation-error")).ToBeVisibleAsync();
        await Expect(other.Page.GetByText(privateReply)).ToHaveCountAsync(0);

        Assert.Empty(customer.Dialogs);
        Assert.Empty(manager.Dialogs);
        if (Environment.GetEnvironmentVariable("SUPPORTCOMMUNITY_SCREENSHOT_DIR") is { Length: > 0 } dir)
        {
            await manager.ScreenshotAsync(Path.Combine(dir, "conversation-staff.png"), fullPage: false);
        }
    }

    [Fact]
    public async Task Thread_ReplyFromPanel_ShowsInPanelAndRoomAndCountsLiveForOthers()
    {
        await using var author = await fixture.NewUserAsync();
        await using var reader = await fixture.NewUserAsync();
        await author.SignInWithDemoPickerAsync("member@demo.test");
        await reader.SignInWithDemoPickerAsync("customer2@demo.test");
        await author.OpenRoomAsync("general");
        await reader.OpenRoomAsync("general");

        var tag = Tag();
        var root = $"Which plan includes the offline mode? [{tag}]";
        await author.SendWithEnterAsync(root);
        var sequence = await author.MessagesWith(root).GetAttributeAsync("data-sequence");
        var rootSeen = reader.Page.Locator($"[data-testid=message][data-sequence='{sequence}']");
        await Expect(rootSeen).ToHaveCountAsync(1);

        // The reader replies in a thread; the panel starts empty.
        await rootSeen.HoverAsync();
        await rootSeen.GetByTestId("reply-message").ClickAsync();
        var panel = reader.Page.GetByTestId("thread-panel");
        await Expect(panel.GetByTestId("thread-empty")).ToHaveTextAsync(new Regex("No replies yet"));
        var reply = $"Pro and Team both do [{tag}-reply]";
        await panel.GetByTestId("composer-input").FillAsync(reply);
        await UserSession.PressEnterAsync(panel.GetByTestId("composer-input"));
        await Expect(panel.GetByTestId("message-body").Filter(new() { HasText = reply })).ToHaveCountAsync(1);
        await Expect(panel.GetByTestId("thread-reply-count")).ToHaveTextAsync("1 reply");

        // The author sees the reply live in the room, with a quote of the question, and the count on the question.
        var replySeen = author.MessagesWith(reply);
        await Expect(replySeen.GetByTestId("reply-quote")).ToContainTextAsync("Priya Nair");
        var rootOwn = author.MessagesWith(root);
        await Expect(rootOwn.GetByTestId("reply-count")).ToHaveTextAsync("1 reply");

        // The author opens the thread from the count and answers there; the reader's open panel follows live.
        await rootOwn.GetByTestId("reply-count").ClickAsync();
        var authorPanel = author.Page.GetByTestId("thread-panel");
        await Expect(authorPanel.GetByTestId("message-body").Filter(new() { HasText = reply })).ToHaveCountAsync(1);
        var answer = $"Thanks! [{tag}-answer]";
        await authorPanel.GetByTestId("composer-input").FillAsync(answer);
        await UserSession.PressEnterAsync(authorPanel.GetByTestId("composer-input"));
        await Expect(panel.GetByTestId("message-body").Filter(new() { HasText = answer })).ToHaveCountAsync(1);
        await Expect(panel.GetByTestId("thread-reply-count")).ToHaveTextAsync("2 replies");
        await Expect(rootSeen.GetByTestId("reply-count")).ToHaveTextAsync("2 replies");

        // Esc closes the panel.
        await reader.Page.Keyboard.PressAsync("Escape");
        await Expect(panel).ToHaveCountAsync(0);

        if (Environment.GetEnvironmentVariable("SUPPORTCOMMUNITY_SCREENSHOT_DIR") is { Length: > 0 } dir)
        {
            await author.ScreenshotAsync(Path.Combine(dir, "thread.png"), fullPage: false);
        }
    }
}
