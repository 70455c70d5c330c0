using Microsoft.EntityFrameworkCore;
using SupportCommunity.Core.Tests.Events;
using SupportCommunity.Events;
using SupportCommunity.Moderation;
using SupportCommunity.Tickets;
using SupportCommunity.Webhooks;

namespace SupportCommunity.Core.Tests.Tickets;

public sealed class TicketServiceTests : IAsyncLifetime
{
    private readonly TicketDatabase _t = new();

    public Task InitializeAsync() => _t.InitializeAsync();

    public Task DisposeAsync() => _t.DisposeAsync();

    private TicketService Tickets => _t.Tickets;

    private async Task<TicketDto> OpenTicketAsync(string text = "Refund please", TicketPriority priority = TicketPriority.Normal)
    {
        var question = await _t.SayAsync(_t.Customer, text);
        var result = await _t.Escalation.EscalateAsync(_t.Manager, new EscalateRequest("general", question.Sequence, text, priority));
        return result.Ticket;
    }

    [Fact]
    public async Task Get_AnotherCustomersTicket_IsAnsweredLikeAMissingOne()
    {
        var ticket = await OpenTicketAsync();

        var other = await Assert.ThrowsAsync<CommunityException>(() => Tickets.GetAsync(_t.OtherCustomer, ticket.Number));
        var missing = await Assert.ThrowsAsync<CommunityException>(() => Tickets.GetAsync(_t.OtherCustomer, 999));

        Assert.Equal(CommunityError.NotFound, other.Error);
        Assert.Equal(missing.Error, other.Error);
        Assert.Equal(missing.Message.Replace("999", "N"), other.Message.Replace(ticket.Number.ToString(System.Globalization.CultureInfo.InvariantCulture), "N"));
    }

    [Fact]
    public async Task InternalNotes_NeverReachTheRequester()
    {
        var ticket = await OpenTicketAsync();
        using var customerEvents = new EventRecorder(_t.Database.Get<IRoomEventBus>(), UserChannel.For(_t.Customer.UserId));
        using var deskEvents = new EventRecorder(_t.Database.Get<IRoomEventBus>(), TicketChannels.Desk);

        await Tickets.ReplyAsync(_t.Agent, ticket.Number, "Secret: check Stripe", internalNote: true);
        await Tickets.ReplyAsync(_t.Agent, ticket.Number, "We're on it!");

        var asCustomer = await Tickets.GetAsync(_t.Customer, ticket.Number);
        var asAgent = await Tickets.GetAsync(_t.Agent, ticket.Number);
        Assert.DoesNotContain(asCustomer.Timeline, e => e.Kind == TicketEntryKind.InternalNote || e.Body == "Secret: check Stripe");
        Assert.Contains(asCustomer.Timeline, e => e.Body == "We're on it!");
        Assert.Contains(asAgent.Timeline, e => e.Kind == TicketEntryKind.InternalNote && e.Body == "Secret: check Stripe");

        // Live: the desk gets the note, the customer only the reply (their next entry event is the public one).
        Assert.Equal("Secret: check Stripe", (await NextAsync<TicketEntryAdded>(deskEvents)).Entry.Body);
        var firstForCustomer = await NextAsync<TicketEntryAdded>(customerEvents);
        Assert.Equal("We're on it!", firstForCustomer.Entry.Body);
    }

    [Fact]
    public async Task Reply_ACustomerCannotAddNotes_AndCannotReplyOnSomeoneElsesTicket()
    {
        var ticket = await OpenTicketAsync();

        var note = await Assert.ThrowsAsync<CommunityException>(() => Tickets.ReplyAsync(_t.Customer, ticket.Number, "note", internalNote: true));
        var foreign = await Assert.ThrowsAsync<CommunityException>(() => Tickets.ReplyAsync(_t.OtherCustomer, ticket.Number, "hello"));

        Assert.Equal(CommunityError.Forbidden, note.Error);
        Assert.Equal(CommunityError.NotFound, foreign.Error);
    }

    [Fact]
    public async Task Reply_ByAgentOnANewTicket_RecordsTheFirstResponseAndOpensIt()
    {
        var ticket = await OpenTicketAsync();
        _t.Clock.Advance(TimeSpan.FromMinutes(30));

        var reply = await Tickets.ReplyAsync(_t.Agent, ticket.Number, "Looking into it");

        Assert.Equal(TicketStatus.Open, reply.Ticket.Status);
        Assert.Equal(_t.Clock.GetUtcNow(), reply.Ticket.FirstResponse!.MetAt);
        Assert.False(reply.Ticket.FirstResponse.Breached);
    }

    [Fact]
    public async Task Reply_ByCustomerOnPendingTicket_ReopensIt()
    {
        var ticket = await OpenTicketAsync();
        var pending = await Tickets.ChangeStatusAsync(_t.Agent, ticket.Number, TicketStatus.PendingOnCustomer, ticket.Version);

        var reply = await Tickets.ReplyAsync(_t.Customer, ticket.Number, "Here is the invoice number");

        Assert.Equal(TicketStatus.Open, reply.Ticket.Status);
        var timeline = (await Tickets.GetAsync(_t.Agent, ticket.Number)).Timeline;
        Assert.Contains(timeline, e => e.Kind == TicketEntryKind.StatusChange && e.From == "PendingOnCustomer" && e.To == "Open" && e.AuthorId == _t.Customer.UserId);
        Assert.Null(reply.Ticket.FirstResponse); // the customer's view
        Assert.True(pending.Version < reply.Ticket.Version);
    }

    [Fact]
    public async Task Reply_WithTheSameClientEntryId_StoresOnce()
    {
        var ticket = await OpenTicketAsync();
        var id = Guid.NewGuid();

        var first = await Tickets.ReplyAsync(_t.Agent, ticket.Number, "once", clientEntryId: id);
        var retry = await Tickets.ReplyAsync(_t.Agent, ticket.Number, "once", clientEntryId: id);

        Assert.Equal(first.Entry.Id, retry.Entry.Id);
        await using var db = await _t.Database.CreateDbContextAsync();
        Assert.Equal(1, await db.TicketEntries.CountAsync(e => e.Body == "once"));
    }

    [Fact]
    public async Task Reply_Bodies_AreNormalisedAndLimited()
    {
        var ticket = await OpenTicketAsync();

        var reply = await Tickets.ReplyAsync(_t.Agent, ticket.Number, "  hi\u202Ethere\r\n ");
        var empty = await Assert.ThrowsAsync<CommunityException>(() => Tickets.ReplyAsync(_t.Agent, ticket.Number, " \u200B "));
        var huge = await Assert.ThrowsAsync<CommunityException>(() => Tickets.ReplyAsync(_t.Agent, ticket.Number, new string('x', 4001)));

        Assert.Equal("hithere", reply.Entry.Body);
        Assert.Equal(CommunityError.Invalid, empty.Error);
        Assert.Equal(CommunityError.TooLarge, huge.Error);
    }

    [Fact]
    public async Task Update_WithAStaleVersion_IsAConflictAndSavesNothing()
    {
        var ticket = await OpenTicketAsync();
        await Tickets.ChangePriorityAsync(_t.Agent, ticket.Number, TicketPriority.High, ticket.Version);
        await using (var db = await _t.Database.CreateDbContextAsync())
        {
            var before = await db.Tickets.AsNoTracking().SingleAsync();
            var entries = await db.TicketEntries.CountAsync();
            var audits = await db.AuditEntries.CountAsync();
            var hooks = await db.WebhookEvents.CountAsync();

            var conflict = await Assert.ThrowsAsync<CommunityException>(() =>
                Tickets.UpdateAsync(_t.Manager, ticket.Number, new TicketChange(ticket.Version, Status: TicketStatus.Solved, Priority: TicketPriority.Low)));

            Assert.Equal(CommunityError.Conflict, conflict.Error);
            Assert.Contains("Sam Patel", conflict.Message, StringComparison.Ordinal);
            var after = await db.Tickets.AsNoTracking().SingleAsync();
            Assert.Equal((before.Status, before.Version, before.Priority), (after.Status, after.Version, after.Priority));
            Assert.Equal(entries, await db.TicketEntries.CountAsync());
            Assert.Equal(audits, await db.AuditEntries.CountAsync());
            Assert.Equal(hooks, await db.WebhookEvents.CountAsync());
        }
    }

    [Fact]
    public async Task Update_TwoAgentsSavingAtOnce_OneWinsTheOtherGetsAConflict()
    {
        var ticket = await OpenTicketAsync();

        var outcomes = await Task.WhenAll(
            Catch(() => Tickets.ChangeStatusAsync(_t.Agent, ticket.Number, TicketStatus.OnHold, ticket.Version)),
            Catch(() => Tickets.ChangeStatusAsync(_t.Manager, ticket.Number, TicketStatus.Solved, ticket.Version)));

        Assert.Single(outcomes, o => o is null);
        Assert.Single(outcomes, o => o?.Error == CommunityError.Conflict);
        await using var db = await _t.Database.CreateDbContextAsync();
        Assert.Equal(ticket.Version + 1, await db.Tickets.Select(t => t.Version).SingleAsync());
        Assert.Equal(1, await db.TicketEntries.CountAsync(e => e.Kind == TicketEntryKind.StatusChange));
    }

    [Fact]
    public async Task Claim_SomeoneElsesTicket_IsAConflictNamingThem()
    {
        var ticket = await OpenTicketAsync();
        var claimed = await Tickets.ClaimAsync(_t.Agent, ticket.Number);

        var conflict = await Assert.ThrowsAsync<CommunityException>(() => Tickets.ClaimAsync(_t.Manager, ticket.Number));
        var again = await Tickets.ClaimAsync(_t.Agent, ticket.Number);

        Assert.Equal("Sam Patel", claimed.Summary.AssigneeName);
        Assert.Equal(CommunityError.Conflict, conflict.Error);
        Assert.Contains("Sam Patel", conflict.Message, StringComparison.Ordinal);
        Assert.Equal(claimed.Version, again.Version);
    }

    [Fact]
    public async Task Changes_AreAudited()
    {
        var ticket = await OpenTicketAsync();
        var claimed = await Tickets.ClaimAsync(_t.Agent, ticket.Number);
        var high = await Tickets.ChangePriorityAsync(_t.Agent, ticket.Number, TicketPriority.Urgent, claimed.Version);
        await Tickets.ChangeStatusAsync(_t.Agent, ticket.Number, TicketStatus.Solved, high.Version);

        await using var db = await _t.Database.CreateDbContextAsync();
        var actions = await db.AuditEntries.OrderBy(e => e.Id).Select(e => new { e.Action, e.Before, e.After }).ToListAsync();
        Assert.Equal(
            [TicketAuditActions.Escalate, TicketAuditActions.Assign, TicketAuditActions.Priority, TicketAuditActions.Status],
            actions.Select(a => a.Action));
        Assert.Equal(("New", "Solved"), (actions[3].Before, actions[3].After));
        Assert.Equal([WebhookEventTypes.TicketCreated, WebhookEventTypes.TicketUpdated, WebhookEventTypes.TicketUpdated, WebhookEventTypes.TicketSolved],
            await db.WebhookEvents.OrderBy(e => e.Id).Select(e => e.Type).ToListAsync());
    }

    [Fact]
    public async Task Assign_ToACustomer_IsRefused()
    {
        var ticket = await OpenTicketAsync();

        var refusal = await Assert.ThrowsAsync<CommunityException>(() => Tickets.AssignAsync(_t.Manager, ticket.Number, _t.Customer.UserId, ticket.Version));

        Assert.Equal(CommunityError.Invalid, refusal.Error);
    }

    [Fact]
    public async Task Rate_OnlyTheRequester_OnlyOnceSolved_AndMayChangeIt()
    {
        var ticket = await OpenTicketAsync();
        var early = await Assert.ThrowsAsync<CommunityException>(() => Tickets.RateAsync(_t.Customer, ticket.Number, 5, null));
        var solved = await Tickets.ChangeStatusAsync(_t.Agent, ticket.Number, TicketStatus.Solved, ticket.Version);
        var byAgent = await Assert.ThrowsAsync<CommunityException>(() => Tickets.RateAsync(_t.Agent, ticket.Number, 5, null));
        var byOther = await Assert.ThrowsAsync<CommunityException>(() => Tickets.RateAsync(_t.OtherCustomer, ticket.Number, 5, null));
        var outOfRange = await Assert.ThrowsAsync<CommunityException>(() => Tickets.RateAsync(_t.Customer, ticket.Number, 6, null));
        var longComment = await Assert.ThrowsAsync<CommunityException>(() => Tickets.RateAsync(_t.Customer, ticket.Number, 4, new string('x', 1001)));

        var rated = await Tickets.RateAsync(_t.Customer, ticket.Number, 3, "OK");
        var changed = await Tickets.RateAsync(_t.Customer, ticket.Number, 5, "Actually great");

        Assert.True(solved.Summary.Status == TicketStatus.Solved);
        Assert.Equal(CommunityError.Conflict, early.Error);
        Assert.Equal(CommunityError.Forbidden, byAgent.Error);
        Assert.Equal(CommunityError.NotFound, byOther.Error);
        Assert.Equal(CommunityError.Invalid, outOfRange.Error);
        Assert.Equal(CommunityError.Invalid, longComment.Error);
        Assert.Equal(3, rated.Summary.Rating);
        Assert.Equal(5, changed.Summary.Rating);
        Assert.Equal("Actually great", changed.RatingComment);
        Assert.Equal(2, changed.Timeline.Count(e => e.Kind == TicketEntryKind.Rating));
    }

    [Fact]
    public async Task Closed_Tickets_TakeNoMoreReplies()
    {
        var ticket = await OpenTicketAsync();
        await Tickets.ChangeStatusAsync(_t.Agent, ticket.Number, TicketStatus.Closed, ticket.Version);

        var refusal = await Assert.ThrowsAsync<CommunityException>(() => Tickets.ReplyAsync(_t.Customer, ticket.Number, "hello?"));

        Assert.Equal(CommunityError.Conflict, refusal.Error);
    }

    [Fact]
    public async Task Sla_OpenedFridayAfternoon_IsDueMondayAndBreachesWhenTheClockRunsOut()
    {
        // Friday 16:00 UTC.
        _t.Clock.SetUtcNow(new DateTimeOffset(2026, 11, 27, 16, 0, 0, TimeSpan.Zero));
        var ticket = await OpenTicketAsync(priority: TicketPriority.Normal);
        var monday = new DateTimeOffset(2026, 11, 30, 12, 0, 0, TimeSpan.Zero);
        Assert.Equal(monday, ticket.Summary.FirstResponse!.DueAt);

        _t.Clock.SetUtcNow(monday.AddMinutes(-1));
        var before = await Tickets.ListDeskAsync(_t.Agent, new TicketQuery(Breached: true));
        Assert.Empty(before.Items);
        Assert.False((await Tickets.GetAsync(_t.Agent, ticket.Number)).Summary.FirstResponse!.Breached);

        _t.Clock.SetUtcNow(monday.AddMinutes(1));
        var after = await Tickets.ListDeskAsync(_t.Agent, new TicketQuery(Breached: true));
        Assert.Equal([ticket.Number], after.Items.Select(t => t.Number));
        Assert.True(after.Items[0].FirstResponse!.Breached);

        // A late first response stops the clock, breached; the resolution clock still runs.
        var reply = await Tickets.ReplyAsync(_t.Agent, ticket.Number, "Sorry for the wait");
        Assert.True(reply.Ticket.FirstResponse!.Breached);
        Assert.False(reply.Ticket.FirstResponse.Running);
        Assert.True(reply.Ticket.Resolution!.Running);
        Assert.Empty((await Tickets.ListDeskAsync(_t.Agent, new TicketQuery(Breached: true))).Items);
    }

    [Fact]
    public async Task Sla_ChangingThePriority_MovesTheDueTimes()
    {
        var ticket = await OpenTicketAsync(priority: TicketPriority.Low);

        var urgent = await Tickets.ChangePriorityAsync(_t.Agent, ticket.Number, TicketPriority.Urgent, ticket.Version);

        Assert.Equal(ticket.Summary.CreatedAt.AddHours(1), urgent.Summary.FirstResponse!.DueAt);
        Assert.True(urgent.Summary.FirstResponse.DueAt < ticket.Summary.FirstResponse!.DueAt);
    }

    [Fact]
    public async Task ListDesk_FiltersSortsAndPagesByKeyset()
    {
        var low = await OpenTicketAsync("printer on fire", TicketPriority.Low);
        var urgent = await OpenTicketAsync("data loss", TicketPriority.Urgent);
        var normal = await OpenTicketAsync("invoice address", TicketPriority.Normal);
        var high = await OpenTicketAsync("cannot log in", TicketPriority.High);
        await Tickets.ClaimAsync(_t.Agent, normal.Number);

        var bySla = await Tickets.ListDeskAsync(_t.Agent, new TicketQuery());
        var byPriority = await Tickets.ListDeskAsync(_t.Agent, new TicketQuery(Sort: TicketSort.Priority));
        var newest = await Tickets.ListDeskAsync(_t.Agent, new TicketQuery(Sort: TicketSort.Newest));
        var mine = await Tickets.ListDeskAsync(_t.Agent, new TicketQuery(Mine: true));
        var unassigned = await Tickets.ListDeskAsync(_t.Agent, new TicketQuery(Unassigned: true));
        var byNumber = await Tickets.ListDeskAsync(_t.Agent, new TicketQuery(Search: "#" + high.Number));
        var byText = await Tickets.ListDeskAsync(_t.Agent, new TicketQuery(Search: "INVOICE"));
        var onlyHigh = await Tickets.ListDeskAsync(_t.Agent, new TicketQuery(Priority: TicketPriority.High));
        var newOnes = await Tickets.ListDeskAsync(_t.Agent, new TicketQuery(Statuses: [TicketStatus.New]));

        Assert.Equal([urgent.Number, high.Number, normal.Number, low.Number], bySla.Items.Select(t => t.Number));
        Assert.Equal([urgent.Number, high.Number, normal.Number, low.Number], byPriority.Items.Select(t => t.Number));
        Assert.Equal([high.Number, normal.Number, urgent.Number, low.Number], newest.Items.Select(t => t.Number));
        Assert.Equal([normal.Number], mine.Items.Select(t => t.Number));
        Assert.Equal(3, unassigned.Items.Count);
        Assert.Equal([high.Number], byNumber.Items.Select(t => t.Number));
        Assert.Equal([normal.Number], byText.Items.Select(t => t.Number));
        Assert.Equal([high.Number], onlyHigh.Items.Select(t => t.Number));
        Assert.Equal(4, newOnes.Items.Count); // a claim does not change the status

        foreach (var sort in Enum.GetValues<TicketSort>())
        {
            var all = (await Tickets.ListDeskAsync(_t.Agent, new TicketQuery(Sort: sort))).Items.Select(t => t.Number).ToList();
            var paged = new List<int>();
            string? cursor = null;
            do
            {
                var page = await Tickets.ListDeskAsync(_t.Agent, new TicketQuery(Sort: sort, Cursor: cursor, Limit: 1));
                paged.AddRange(page.Items.Select(t => t.Number));
                cursor = page.NextCursor;
            }
            while (cursor is not null);

            Assert.Equal(all, paged);
        }
    }

    /// <summary>
    /// The desk places a ticket that changed live by <see cref="TicketService.MatchesSearch"/>: it must pick the rows
    /// the query would read. Digits are a ticket number and text of a subject at once (a live row searched by an
    /// order number in its subject once went missing).
    /// </summary>
    [Fact]
    public async Task MatchesSearch_PicksWhatTheDeskQueryReads()
    {
        var tickets = new List<TicketDto>
        {
            await OpenTicketAsync("Order 331887 never arrived"),
            await OpenTicketAsync("Error 100% on save"),
            await OpenTicketAsync("cannot LOG in"),
        };
        tickets.Add(await OpenTicketAsync($"Same as #{tickets[0].Number} again"));
        string[] searches =
        [
            "331887", "#331887", " 3318 ", tickets[1].Number.ToString(System.Globalization.CultureInfo.InvariantCulture), "#" + tickets[0].Number,
            "100%", "0%", "log IN", "_", "-1", "+" + tickets[2].Number, "",
        ];

        foreach (var search in searches)
        {
            var read = (await Tickets.ListDeskAsync(_t.Agent, new TicketQuery(Search: search))).Items.Select(t => t.Number);
            var matched = tickets.Where(t => TicketService.MatchesSearch(t.Summary, search)).Select(t => t.Number);
            Assert.True(read.Order().SequenceEqual(matched.Order()), $"'{search}': the query read [{string.Join(", ", read)}], the live check matched [{string.Join(", ", matched)}].");
        }

        Assert.True(TicketService.MatchesSearch(tickets[0].Summary, "331887"));
    }

    [Fact]
    public async Task ListDesk_IsForTheDeskOnly_AndBadCursorsAreRefused()
    {
        var customer = await Assert.ThrowsAsync<CommunityException>(() => Tickets.ListDeskAsync(_t.Customer, new TicketQuery()));
        var cursor = await Assert.ThrowsAsync<CommunityException>(() => Tickets.ListDeskAsync(_t.Agent, new TicketQuery(Cursor: "n.1", Sort: TicketSort.Priority)));

        Assert.Equal(CommunityError.Forbidden, customer.Error);
        Assert.Equal(CommunityError.Invalid, cursor.Error);
    }

    [Fact]
    public async Task ListMine_ShowsOnlyTheCallersTickets_InTheRequestersView()
    {
        var mine = await OpenTicketAsync();
        var question = await _t.SayAsync(_t.OtherCustomer, "Theirs");
        await _t.EscalateAsync(question.Sequence);

        var page = await Tickets.ListMineAsync(_t.Customer);

        var only = Assert.Single(page.Items);
        Assert.Equal(mine.Number, only.Number);
        Assert.Null(only.FirstResponse);
        Assert.Equal("", only.Queue);
    }

    private static async Task<CommunityException?> Catch(Func<Task> action)
    {
        try
        {
            await Task.Run(action);
            return null;
        }
        catch (CommunityException ex)
        {
            return ex;
        }
    }

    private static async Task<T> NextAsync<T>(EventRecorder recorder) where T : RoomEvent
    {
        while (true)
        {
            if (await recorder.NextAsync() is T match)
            {
                return match;
            }
        }
    }
}
