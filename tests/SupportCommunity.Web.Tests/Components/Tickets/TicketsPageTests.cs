using Bunit;
using Microsoft.Extensions.DependencyInjection;
using MudBlazor;
using SupportCommunity.Identity;
using SupportCommunity.Tickets;
using SupportCommunity.Web.Tickets;

namespace SupportCommunity.Web.Tests.Components.Tickets;

/// <summary>A ticket's page for the desk and for its customer, against the real services and bus over SQLite.</summary>
public sealed class TicketsPageTests : MudTestContext, IClassFixture<ComponentDatabase>
{
    private static readonly TimeSpan Live = TimeSpan.FromSeconds(5);

    private readonly ComponentDatabase _db;
    private readonly string _tag = Guid.NewGuid().ToString("N")[..6];
    private string Room => "page-" + _tag;

    public TicketsPageTests(ComponentDatabase db)
    {
        _db = db;
        this.AddTicketServices(db);
        Services.AddSingleton(db.Get<SupportCommunity.Notifications.NotificationService>());
    }

    private async Task<(Actor Manager, Actor Agent, Actor Customer, TicketDto Ticket)> TicketAsync()
    {
        await _db.AddRoomAsync(Room, "Page " + _tag);
        var manager = await _db.AddMemberAsync("Maya " + _tag, CommunityRoles.CommunityManager);
        var agent = await _db.AddMemberAsync("Sam " + _tag, CommunityRoles.SupportAgent);
        var customer = await _db.AddMemberAsync("Jordan " + _tag, CommunityRoles.Customer);
        var ticket = await _db.EscalateAsync(manager, customer, Room, $"I was charged twice {_tag}");
        return (manager, agent, customer, ticket);
    }

    private IRenderedComponent<TicketDetailPage> RenderDesk(Actor viewer, int number)
    {
        this.SignIn(viewer);
        var page = Render<TicketDetailPage>(p => p.Add(t => t.Number, number));
        page.WaitLive(() => Assert.NotNull(page.Find("[data-testid=ticket-page][data-ready=true]")), Live);
        return page;
    }

    private IRenderedComponent<CustomerTicketPage> RenderCustomer(Actor viewer, int number)
    {
        this.SignIn(viewer);
        var page = Render<CustomerTicketPage>(p => p.Add(t => t.Number, number));
        page.WaitLive(() => Assert.NotNull(page.Find("[data-testid=customer-ticket][data-ready=true]")), Live);
        return page;
    }

    private static IReadOnlyList<string> Bodies(IRenderedComponent<CustomerTicketPage> page) =>
        [.. page.FindAll("[data-testid=ticket-entry-body]").Select(b => b.TextContent.Trim())];

    [Fact]
    public async Task CustomerView_InternalNotes_NeverShownNeitherLoadedNorLive()
    {
        var (_, agent, customer, ticket) = await TicketAsync();
        var tickets = _db.Get<TicketService>();
        await tickets.ReplyAsync(agent, ticket.Number, $"NOTE-1 refund pending {_tag}", internalNote: true);
        await tickets.ReplyAsync(agent, ticket.Number, $"PUBLIC-1 we are on it {_tag}");

        var page = RenderCustomer(customer, ticket.Number);
        Assert.Equal([$"PUBLIC-1 we are on it {_tag}"], Bodies(page));

        // Live: a note and a reply, in that order; the reply arriving proves the note had its chance to arrive.
        await tickets.ReplyAsync(agent, ticket.Number, $"NOTE-2 card ends 4242 {_tag}", internalNote: true);
        await tickets.ReplyAsync(agent, ticket.Number, $"PUBLIC-2 refunded {_tag}");
        await page.WaitLiveAsync(() => Assert.Equal([$"PUBLIC-1 we are on it {_tag}", $"PUBLIC-2 refunded {_tag}"], Bodies(page)), Live);

        Assert.DoesNotContain("NOTE-", page.Markup, StringComparison.Ordinal);
        Assert.Empty(page.FindAll("[data-testid=internal-label]"));
        Assert.All(page.FindAll("[data-testid=ticket-entry]"), e => Assert.NotEqual(nameof(TicketEntryKind.InternalNote), e.GetAttribute("data-kind")));
    }

    [Fact]
    public void CustomerTimeline_GivenAnInternalEntry_DoesNotRenderIt()
    {
        Services.AddSingleton(_db.Get<SupportCommunity.Messages.MessageFormatter>());
        var at = DateTimeOffset.UtcNow;
        IReadOnlyList<TicketEntryDto> entries =
        [
            new(1, TicketEntryKind.PublicReply, "sam", "Sam", CommunityRoles.SupportAgent, "Hello Jordan", null, null, at, Internal: false),
            new(2, TicketEntryKind.InternalNote, "sam", "Sam", CommunityRoles.SupportAgent, "secret note", null, null, at, Internal: true),
            new(3, TicketEntryKind.PriorityChange, "sam", "Sam", CommunityRoles.SupportAgent, null, "Normal", "High", at, Internal: true),
        ];

        var customer = Render<TicketTimeline>(p => p.Add(t => t.Entries, entries).Add(t => t.ForCustomer, true));
        var desk = Render<TicketTimeline>(p => p.Add(t => t.Entries, entries));

        Assert.Single(customer.FindAll("[data-testid=ticket-entry]"));
        Assert.DoesNotContain("secret note", customer.Markup, StringComparison.Ordinal);
        Assert.Equal(3, desk.FindAll("[data-testid=ticket-entry]").Count);
        Assert.Equal("Internal note", desk.Find("[data-testid=internal-label]").TextContent.Trim());
    }

    [Fact]
    public async Task DeskPage_ChangedElsewhereMeanwhile_ConflictSaidTicketReloadedDraftKept()
    {
        var (_, agent, _, ticket) = await TicketAsync();
        var page = RenderDesk(agent, ticket.Number);
        page.Find("[data-testid=ticket-composer] textarea").Input("Hi Jordan, I'm looking at the charge now");

        // Another agent's change whose live event never reached this page.
        await _db.ChangeSilentlyAsync(ticket.Number, TicketPriority.Urgent);
        page.Find("[data-testid=ticket-solve]").Click();

        await page.WaitLiveAsync(() =>
        {
            var conflict = page.Find("[data-testid=ticket-conflict]").TextContent;
            Assert.Contains("Your change was not saved", conflict, StringComparison.Ordinal);
            Assert.Contains("Your draft is kept", conflict, StringComparison.Ordinal);
        }, Live);
        var now = await _db.Get<TicketService>().GetAsync(agent, ticket.Number);
        Assert.NotEqual(TicketStatus.Solved, now.Summary.Status);
        Assert.Equal(TicketPriority.Urgent, now.Summary.Priority);
        // The page shows the ticket as it is now, and the agent's text is still in the box.
        await page.WaitLiveAsync(() => Assert.Contains("Urgent", page.Find("[data-testid=ticket-priority-select]").OuterHtml, StringComparison.Ordinal));
        Assert.Equal("Hi Jordan, I'm looking at the charge now", page.Find("[data-testid=ticket-composer] textarea").GetAttribute("value"));

        // Saving again against the version now shown works.
        page.Find("[data-testid=ticket-solve]").Click();
        await page.WaitLiveAsync(async () =>
            Assert.Equal(TicketStatus.Solved, (await _db.Get<TicketService>().GetAsync(agent, ticket.Number)).Summary.Status), Live);
    }

    [Fact]
    public async Task DeskPage_InternalNote_ShownAsNoteAndTheCustomerIsNotTold()
    {
        var (_, agent, customer, ticket) = await TicketAsync();
        var page = RenderDesk(agent, ticket.Number);

        page.Find("[data-testid=mode-note]").Click();
        await page.WaitLiveAsync(() => Assert.Equal("note", page.Find("[data-testid=ticket-composer]").GetAttribute("data-mode")));
        page.Find("[data-testid=ticket-composer] textarea").Input($"Check Stripe first {_tag}");
        page.Find("[data-testid=composer-send]").Click();

        await page.WaitLiveAsync(() =>
        {
            var note = page.FindAll("[data-testid=ticket-entry]").Single(e => e.GetAttribute("data-kind") == nameof(TicketEntryKind.InternalNote));
            Assert.Contains($"Check Stripe first {_tag}", note.TextContent, StringComparison.Ordinal);
            Assert.Contains("internal-note", note.ClassName, StringComparison.Ordinal);
        }, Live);
        var seenByCustomer = await _db.Get<TicketService>().GetAsync(customer, ticket.Number);
        Assert.DoesNotContain(seenByCustomer.Timeline, e => e.Kind == TicketEntryKind.InternalNote);
    }

    [Fact]
    public async Task DeskPage_AnotherAgentViewsAndTypes_ShownLiveThenGone()
    {
        var (_, agent, _, ticket) = await TicketAsync();
        var alex = await _db.AddMemberAsync("Alex " + _tag, CommunityRoles.SupportAgent);
        var page = RenderDesk(agent, ticket.Number);
        Assert.Empty(page.FindAll("[data-testid=collision-user]"));
        var collision = _db.Get<TicketCollision>();

        await collision.EnterAsync(alex, ticket.Number, "hub-alex");
        await page.WaitLiveAsync(() =>
            Assert.Equal($"Alex {_tag} Support agent is also viewing", Normalize(page.Find("[data-testid=collision-user]").TextContent)), Live);

        await collision.TypingAsync(alex, ticket.Number);
        await page.WaitLiveAsync(() => Assert.EndsWith("is typing…", Normalize(page.Find("[data-testid=collision-user]").TextContent), StringComparison.Ordinal), Live);

        await collision.LeaveAsync(alex, ticket.Number, "hub-alex");
        await page.WaitLiveAsync(() => Assert.Empty(page.FindAll("[data-testid=collision-user]")), TimeSpan.FromSeconds(10));
    }

    private static string Normalize(string text) => string.Join(' ', text.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries));

    [Fact]
    public async Task CustomerPage_OpenedByAnAgent_SendsThemToTheDesksPage()
    {
        var (_, agent, _, ticket) = await TicketAsync();
        this.SignIn(agent);
        var navigation = Services.GetRequiredService<Microsoft.AspNetCore.Components.NavigationManager>();

        var page = Render<CustomerTicketPage>(p => p.Add(t => t.Number, ticket.Number));

        await page.WaitLiveAsync(() => Assert.EndsWith($"/desk/tickets/{ticket.Number}", navigation.Uri, StringComparison.Ordinal));
    }

    [Fact]
    public async Task CustomerPage_AnotherCustomersTicket_AnsweredLikeAMissingOne()
    {
        var (_, _, _, ticket) = await TicketAsync();
        var stranger = await _db.AddMemberAsync("Casey " + _tag, CommunityRoles.Customer);
        this.SignIn(stranger);

        var page = Render<CustomerTicketPage>(p => p.Add(t => t.Number, ticket.Number));

        await page.WaitLiveAsync(() => Assert.Contains($"There is no ticket #{ticket.Number}.", page.Find("[data-testid=ticket-error]").TextContent, StringComparison.Ordinal));
        Assert.DoesNotContain(ticket.Summary.Subject, page.Markup, StringComparison.Ordinal);
    }

    [Fact]
    public async Task DeskPage_HandlersCalledByTheCustomer_RefusedAndNothingChanges()
    {
        var (_, agent, customer, ticket) = await TicketAsync();
        this.SignIn(customer);
        var page = Render<TicketDetailPage>(p => p.Add(t => t.Number, ticket.Number));
        await page.WaitLiveAsync(() => Assert.NotNull(page.Find("[data-testid=ticket-error]")));

        await page.InvokeAsync(() => page.Instance.ChangeStatusAsync(TicketStatus.Closed));
        await page.InvokeAsync(() => page.Instance.ClaimAsync());

        var now = (await _db.Get<TicketService>().GetAsync(agent, ticket.Number)).Summary;
        Assert.Equal(ticket.Summary.Status, now.Status);
        Assert.Null(now.AssigneeId);
        Assert.Equal(ticket.Version, now.Version);
        Assert.Contains(Services.GetRequiredService<ISnackbar>().ShownSnackbars, s =>
            s.Severity == Severity.Warning && s.Message?.Contains("Only support agents, community managers and admins", StringComparison.Ordinal) == true);
    }

    [Fact]
    public async Task CustomerPage_ReplyLiveThenSolved_RatesOnceAndSaysThanks()
    {
        var (_, agent, customer, ticket) = await TicketAsync();
        var page = RenderCustomer(customer, ticket.Number);
        Assert.Empty(page.FindAll("[data-testid=rating-stars]"));

        await _db.Get<TicketService>().ReplyAsync(agent, ticket.Number, $"Refunded {_tag}");
        await page.WaitLiveAsync(() => Assert.Contains($"Refunded {_tag}", Bodies(page)), Live);
        var solved = await _db.Get<TicketService>().ChangeStatusAsync(agent, ticket.Number, TicketStatus.Solved,
            (await _db.Get<TicketService>().GetAsync(agent, ticket.Number)).Version);
        await page.WaitLiveAsync(() => Assert.NotNull(page.Find("[data-testid=rating-stars]")), Live);
        Assert.Equal(nameof(TicketStatus.Solved), page.Find("[data-testid=ticket-status]").GetAttribute("data-status"));

        page.FindAll("[data-testid=rating-stars] .mud-rating-item")[^1].Click();
        page.Find("textarea[data-testid=rating-comment]").Input("Quick and kind");
        page.Find("[data-testid=rating-submit]").Click();

        await page.WaitLiveAsync(() => Assert.Contains("Thanks", page.Find("[data-testid=rating-thanks]").TextContent, StringComparison.Ordinal), Live);
        Assert.Empty(page.FindAll("[data-testid=rating-submit]"));
        var rated = (await _db.Get<TicketService>().GetAsync(agent, solved.Number)).Summary;
        Assert.Equal(5, rated.Rating);
    }
}
