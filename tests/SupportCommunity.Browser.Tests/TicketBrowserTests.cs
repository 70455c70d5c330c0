using System.Text.RegularExpressions;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace SupportCommunity.Browser.Tests;

/// <summary>
/// Escalation to the desk (issue 7), walked in Chromium by its three users: the manager escalates a customer's
/// question from the room, the agent sees it arrive, claims it and answers, the customer follows and rates it.
/// </summary>
public sealed partial class TicketBrowserTests(BrowserFixture fixture) : IClassFixture<BrowserFixture>
{
    [Fact]
    public async Task Escalation_ManagerEscalatesAgentClaimsAndReplies_CustomerSeesReplyLiveAndRates()
    {
        await using var customer = await fixture.NewUserAsync();
        await using var manager = await fixture.NewUserAsync();
        await using var agent = await fixture.NewUserAsync();
        await customer.SignInWithDemoPickerAsync("customer@demo.test");
        await manager.SignInWithDemoPickerAsync("manager@demo.test");
        await agent.SignInWithDemoPickerAsync("agent@demo.test");
        await customer.OpenRoomAsync("general");
        await manager.OpenRoomAsync("general");

        // The agent watches the desk before anything happens.
        await agent.Page.GotoAsync("desk");
        await Expect(agent.Page.Locator("[data-testid=desk-page][data-ready=true]")).ToBeVisibleAsync();

        var tag = Guid.NewGuid().ToString("N")[..8];
        var question = $"My card was charged twice for the annual plan, please refund one [{tag}]";
        await customer.SendWithEnterAsync(question);

        // The manager escalates it from the message's actions: the dialog includes it and takes the subject from it.
        var message = manager.MessagesWith(tag);
        await Expect(message).ToHaveCountAsync(1);
        await message.HoverAsync();
        await message.GetByTestId("escalate-message").ClickAsync();
        var dialog = manager.Page.GetByTestId("escalate-dialog");
        await Expect(dialog.Locator("[data-testid=escalate-line].included")).ToHaveCountAsync(1);
        await Expect(dialog.Locator("input[data-testid=escalate-subject]")).ToHaveValueAsync(new Regex(Regex.Escape(tag)));
        await dialog.GetByText("refund", new() { Exact = true }).ClickAsync();
        await manager.ScreenshotAsync(Path.Combine(fixture.ScreenshotDir, "tickets-escalate-dialog.png"), fullPage: false);
        await manager.Page.GetByTestId("escalate-submit").ClickAsync();
        var link = manager.Page.GetByTestId("escalated-link");
        await Expect(link).ToBeVisibleAsync();
        var number = TicketNumber().Match((await link.GetAttributeAsync("href"))!).Groups[1].Value;

        // It appears on the agent's desk without a reload; the agent claims it.
        var row = agent.Page.Locator($"tr:has([data-testid=desk-row][data-number='{number}'])");
        await Expect(row).ToHaveCountAsync(1);
        await Expect(row.GetByTestId("desk-subject")).ToContainTextAsync(tag);
        await Expect(row.GetByTestId("ticket-status")).ToHaveTextAsync("New");
        await agent.ScreenshotAsync(Path.Combine(fixture.ScreenshotDir, "tickets-desk.png"), fullPage: false);
        await row.GetByTestId("desk-claim").ClickAsync();
        await Expect(row.GetByTestId("desk-assignee")).ToHaveTextAsync("You");

        // The customer follows the ticket from "My tickets".
        await customer.Page.GotoAsync("tickets");
        await customer.Page.Locator($"[data-testid=my-ticket-row][data-number='{number}']").ClickAsync();
        await Expect(customer.Page.Locator("[data-testid=customer-ticket][data-ready=true]")).ToBeVisibleAsync();
        await Expect(customer.Page.GetByTestId("ticket-subject")).ToContainTextAsync(tag);

        // The agent opens it, leaves an internal note, then replies publicly.
        await row.GetByTestId("desk-subject").ClickAsync();
        await Expect(agent.Page.Locator($"[data-testid=ticket-page][data-number='{number}'][data-ready=true]")).ToBeVisibleAsync();
        await Expect(agent.Page.GetByTestId("ticket-assignee")).ToHaveTextAsync("Assigned to you");
        var composer = agent.Page.GetByTestId("ticket-composer");
        var note = $"Stripe shows both charges settled; refund the second [{tag}-note]";
        await agent.Page.GetByTestId("mode-note").ClickAsync();
        await Expect(composer).ToHaveAttributeAsync("data-mode", "note");
        await composer.GetByTestId("composer-input").FillAsync(note);
        await UserSession.PressEnterAsync(composer.GetByTestId("composer-input"));
        var noteEntry = agent.Page.Locator("[data-testid=ticket-entry][data-kind=InternalNote]").Filter(new() { HasText = note });
        await Expect(noteEntry).ToHaveCountAsync(1);
        await Expect(noteEntry.GetByTestId("internal-label")).ToHaveTextAsync("Internal note");

        await agent.Page.GetByTestId("mode-public").ClickAsync();
        await Expect(composer).ToHaveAttributeAsync("data-mode", "reply");
        var reply = $"Hi Jordan, I refunded the second charge; it shows in 3-5 days [{tag}-reply]";
        await composer.GetByTestId("composer-input").FillAsync(reply);
        await agent.ScreenshotAsync(Path.Combine(fixture.ScreenshotDir, "tickets-detail.png"), fullPage: false);
        await UserSession.PressEnterAsync(composer.GetByTestId("composer-input"));
        await Expect(agent.Page.Locator("[data-testid=ticket-entry][data-kind=PublicReply]").Filter(new() { HasText = reply })).ToHaveCountAsync(1);
        await Expect(composer.GetByTestId("composer-input")).ToHaveValueAsync("");

        // The customer sees the reply live, never the note.
        var customerTimeline = customer.Page.GetByTestId("ticket-timeline");
        await Expect(customerTimeline.GetByText(reply)).ToHaveCountAsync(1);
        await Expect(customer.Page.GetByText(note)).ToHaveCountAsync(0);
        await Expect(customer.Page.GetByTestId("internal-label")).ToHaveCountAsync(0);

        // The agent solves it; the customer is asked for a rating at once, rates 5 and is thanked.
        await agent.Page.GetByTestId("ticket-solve").ClickAsync();
        await Expect(agent.Page.GetByTestId("ticket-solve")).ToHaveCountAsync(0);
        var stars = customer.Page.GetByTestId("rating-stars");
        await Expect(stars).ToBeVisibleAsync();
        await Expect(customer.Page.GetByTestId("ticket-status")).ToHaveTextAsync("Solved");
        await customer.ScreenshotAsync(Path.Combine(fixture.ScreenshotDir, "tickets-customer.png"), fullPage: false);
        await stars.Locator(".mud-rating-item").Nth(4).ClickAsync();
        await customer.Page.Locator("textarea[data-testid=rating-comment]").FillAsync("Fast and friendly, thank you!");
        await customer.Page.GetByTestId("rating-submit").ClickAsync();
        await Expect(customer.Page.GetByTestId("rating-thanks")).ToContainTextAsync("Thanks");
        await Expect(customer.Page.GetByTestId("rating-submit")).ToHaveCountAsync(0);
        await customer.ScreenshotAsync(Path.Combine(fixture.ScreenshotDir, "tickets-customer-rated.png"), fullPage: false);

        // The desk sees the rating on the ticket.
        await Expect(agent.Page.GetByTestId("ticket-rating")).ToContainTextAsync("rated this 5 of 5");
        Assert.Empty(customer.Dialogs);
        Assert.Empty(manager.Dialogs);
        Assert.Empty(agent.Dialogs);
    }

    [GeneratedRegex(@"desk/tickets/(\d+)$")]
    private static partial Regex TicketNumber();
}
