using System.Net;
using System.Net.Http.Json;
using Microsoft.AspNetCore.SignalR;
using Microsoft.EntityFrameworkCore;
using SupportCommunity.Notifications;
using SupportCommunity.Tickets;
using SupportCommunity.Web.Tests.Integration.Moderation;
using static SupportCommunity.Web.Tests.Integration.Accounts;

namespace SupportCommunity.Web.Tests.Integration.Tickets;

/// <summary>Escalation, replies and changes over REST and the hub, as integrations and the UI drive them.</summary>
public sealed class TicketFlowTests(TicketsApp app) : IClassFixture<TicketsApp>
{
    [Fact]
    public async Task AgentReply_ReachesTheCustomerLive_AndTheDeskSeesNewTicketsLive()
    {
        await using var customer = await app.ConnectTicketHubAsync(Customer);
        await using var desk = await app.ConnectTicketHubAsync(Agent);
        var question = await app.SayAsync(Customer, "My invoice shows the wrong company name");

        var escalated = await (await app.HubAsync(Manager)).InvokeAsync<EscalationResult>(
            "EscalateToTicket", new EscalateRequest(General, question.Sequence, "Wrong company name on the invoice", TicketPriority.Normal, Queue: "billing"));
        var number = escalated.Ticket.Number;

        // The desk hears of the new ticket (with its SLA clocks); the customer too (without them).
        var seenByDesk = await desk.TicketChanged.NextMatchingAsync(t => t.Number == number);
        Assert.NotNull(seenByDesk.FirstResponse);
        Assert.Equal("billing", seenByDesk.Queue);
        var seenByCustomer = await customer.TicketChanged.NextMatchingAsync(t => t.Number == number);
        Assert.Null(seenByCustomer.FirstResponse);

        await desk.InvokeAsync<TicketReplyResult>("ReplyToTicket", number, "Fixed: a corrected invoice is in your account.", false, Guid.NewGuid());

        var reply = await customer.TicketEntryAdded.NextMatchingAsync(e => e.Number == number && e.Entry.Kind == TicketEntryKind.PublicReply);
        Assert.Equal("Fixed: a corrected invoice is in your account.", reply.Entry.Body);
        Assert.Equal("Sam Patel", reply.Entry.AuthorName);
        var status = await customer.TicketChanged.NextMatchingAsync(t => t.Number == number && t.Status == TicketStatus.Open);
        Assert.Equal(number, status.Number);

        // And the bell: a ticket entry that leads to the ticket.
        var bell = await (await app.ApiAsync(Customer)).GetFromJsonAsync<NotificationPage>("/api/notifications");
        Assert.Contains(bell!.Items, n => n.Kind == NotificationKind.Ticket && n.Sequence == number && n.RoomSlug == $"ticket:{number}");
    }

    [Fact]
    public async Task CustomerReply_OverRest_ReachesTheDeskLive()
    {
        var ticket = await app.OpenTicketAsync(Customer, "Sync stuck", TicketStatus.PendingOnCustomer);
        await using var desk = await app.ConnectTicketHubAsync(Manager);

        using var response = await (await app.ApiAsync(Customer)).PostAsJsonAsync(TicketsApp.Path(ticket.Number, "/replies"), new { body = "Here are the logs you asked for." });

        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        var result = await TicketsApp.ReadAsync<TicketReplyResult>(response);
        Assert.Equal(TicketStatus.Open, result.Ticket.Status);
        var live = await desk.TicketEntryAdded.NextMatchingAsync(e => e.Number == ticket.Number && e.Entry.Kind == TicketEntryKind.PublicReply);
        Assert.Equal("Here are the logs you asked for.", live.Entry.Body);
    }

    [Fact]
    public async Task Escalate_OverRest_Twice_Returns201ThenTheSameTicketWith200()
    {
        var question = await app.SayAsync(Customer, "Please refund my second charge");
        var api = await app.ApiAsync(Manager);
        var request = new EscalateRequest(General, question.Sequence, "Refund the second charge", TicketPriority.High, "refund", "billing");

        using var first = await api.PostAsJsonAsync("/api/tickets", request);
        using var second = await api.PostAsJsonAsync("/api/tickets", request with { Subject = "Another try" });
        using var forced = await api.PostAsJsonAsync("/api/tickets", request with { Force = true });

        Assert.Equal(HttpStatusCode.Created, first.StatusCode);
        var created = await TicketsApp.ReadAsync<TicketDto>(first);
        Assert.Equal($"/api/tickets/{created.Number}", first.Headers.Location?.OriginalString);
        Assert.Equal(HttpStatusCode.OK, second.StatusCode);
        Assert.Equal(created.Number, (await TicketsApp.ReadAsync<TicketDto>(second)).Number);
        Assert.Equal(HttpStatusCode.Created, forced.StatusCode);
        Assert.NotEqual(created.Number, (await TicketsApp.ReadAsync<TicketDto>(forced)).Number);
    }

    [Fact]
    public async Task Escalate_TwoClientsAtOnce_OneTicket()
    {
        var question = await app.SayAsync(Customer2, "Charged twice, again");
        var request = new EscalateRequest(General, question.Sequence, "Charged twice");
        var manager = await app.ApiAsync(Manager);
        var agent = await app.ApiAsync(Agent);

        var responses = await Task.WhenAll(manager.PostAsJsonAsync("/api/tickets", request), agent.PostAsJsonAsync("/api/tickets", request));

        var tickets = new List<TicketDto>();
        foreach (var response in responses)
        {
            using (response)
            {
                Assert.True(response.StatusCode is HttpStatusCode.Created or HttpStatusCode.OK, response.StatusCode.ToString());
                tickets.Add(await TicketsApp.ReadAsync<TicketDto>(response));
            }
        }

        Assert.Single(tickets.Select(t => t.Number).Distinct());
        Assert.Single(responses, r => r.StatusCode == HttpStatusCode.Created);
        await using var db = await Members.DbAsync(app);
        Assert.Equal(1, await db.Tickets.CountAsync(t => t.Number == tickets[0].Number));
        Assert.Equal(1, await db.Tickets.CountAsync(t => t.SourceKey == db.Tickets.Where(x => x.Number == tickets[0].Number).Select(x => x.SourceKey).First()));
    }

    public static TheoryData<string, string> BadEscalations() => new()
    {
        { "empty subject", """{ "roomSlug": "general", "sequence": 1, "subject": "   " }""" },
        { "oversized subject", $$"""{ "roomSlug": "general", "sequence": 1, "subject": "{{new string('x', 201)}}" }""" },
        { "unknown priority name", """{ "roomSlug": "general", "sequence": 1, "subject": "ok", "priority": "Huge" }""" },
        { "priority out of range", """{ "roomSlug": "general", "sequence": 1, "subject": "ok", "priority": 7 }""" },
        { "too many sequences", $$"""{ "roomSlug": "general", "sequence": 1, "subject": "ok", "includeSequences": [{{string.Join(',', Enumerable.Range(1, 201))}}] }""" },
        { "unknown queue", """{ "roomSlug": "general", "sequence": 1, "subject": "ok", "queue": "nowhere" }""" },
        { "no message", """{ "roomSlug": "general", "subject": "ok" }""" },
        { "unreadable JSON", """{ "roomSlug": "general", """ },
    };

    [Theory]
    [MemberData(nameof(BadEscalations))]
    public async Task Escalate_BadInput_Is400AndStoresNothing(string why, string json)
    {
        var api = await app.ApiAsync(Manager);
        await using var db = await Members.DbAsync(app);
        var tickets = await db.Tickets.CountAsync();
        var events = await db.WebhookEvents.CountAsync();

        using var content = new StringContent(json, System.Text.Encoding.UTF8, "application/json");
        using var response = await api.PostAsync(new Uri("/api/tickets", UriKind.Relative), content);

        var problem = await response.ReadProblemAsync(HttpStatusCode.BadRequest);
        Assert.False(string.IsNullOrEmpty(problem.Detail), why);
        Assert.Equal(tickets, await db.Tickets.CountAsync());
        Assert.Equal(events, await db.WebhookEvents.CountAsync());
    }

    [Fact]
    public async Task Patch_WithAStaleVersion_Is409AndSavesNothing()
    {
        var ticket = await app.OpenTicketAsync(Customer, "Two agents at once");
        var sam = await app.ApiAsync(Agent);
        var maya = await app.ApiAsync(Manager);

        using var first = await sam.PatchAsJsonAsync(TicketsApp.Path(ticket.Number), new { expectedVersion = ticket.Version, status = "OnHold" });
        Assert.Equal(HttpStatusCode.OK, first.StatusCode);
        var before = await app.StateAsync(ticket.Number);
        using var stale = await maya.PatchAsJsonAsync(TicketsApp.Path(ticket.Number), new { expectedVersion = ticket.Version, status = "Solved", priority = "Urgent" });

        var problem = await stale.ReadProblemAsync(HttpStatusCode.Conflict);
        Assert.Equal($"Ticket #{ticket.Number} was changed by Sam Patel since you opened it. Reload it and try again.", problem.Detail);
        Assert.Equal(before, await app.StateAsync(ticket.Number));

        // Over the hub: the same refusal.
        var hub = await Assert.ThrowsAsync<HubException>(() => app.HubAsync(Manager).Result.InvokeAsync<TicketDto>(
            "UpdateTicket", ticket.Number, new TicketChange(ticket.Version, Status: TicketStatus.Solved)));
        Assert.EndsWith(problem.Detail, hub.Message, StringComparison.Ordinal);
        Assert.Equal(before, await app.StateAsync(ticket.Number));

        using var noVersion = await maya.PatchAsJsonAsync(TicketsApp.Path(ticket.Number), new { status = "Solved" });
        await noVersion.ReadProblemAsync(HttpStatusCode.BadRequest);
    }

    [Fact]
    public async Task AssignClaimRate_OverRest()
    {
        var ticket = await app.OpenTicketAsync(Customer, "Assign me");
        var maya = await app.ApiAsync(Manager);
        var agents = await maya.GetFromJsonAsync<List<TicketAgentDto>>("/api/tickets/agents");
        var sam = Assert.Single(agents!, a => a.Name == "Sam Patel");
        Assert.DoesNotContain(agents!, a => a.Name is "Jordan Lee" or "Theo Ruiz" or "Priya Nair");

        using var assigned = await maya.PatchAsJsonAsync(TicketsApp.Path(ticket.Number), new { expectedVersion = ticket.Version, assigneeId = sam.Id });
        var afterAssign = await TicketsApp.ReadAsync<TicketDto>(assigned);
        using var claim = await maya.PostAsync(new Uri(TicketsApp.Path(ticket.Number, "/claim"), UriKind.Relative), null);
        var conflict = await claim.ReadProblemAsync(HttpStatusCode.Conflict);
        using var solved = await maya.PatchAsJsonAsync(TicketsApp.Path(ticket.Number), new { expectedVersion = afterAssign.Version, status = "Solved" });
        Assert.Equal(HttpStatusCode.OK, solved.StatusCode);
        using var rating = await (await app.ApiAsync(Customer)).PostAsJsonAsync(TicketsApp.Path(ticket.Number, "/rating"), new { rating = 5, comment = "Great help" });
        var rated = await TicketsApp.ReadAsync<TicketDto>(rating);

        Assert.Equal("Sam Patel", afterAssign.Summary.AssigneeName);
        Assert.Equal($"Sam Patel has already claimed ticket #{ticket.Number}.", conflict.Detail);
        Assert.Equal(5, rated.Summary.Rating);
        Assert.Equal("Great help", rated.RatingComment);
    }

    [Fact]
    public async Task DeskList_OverRest_FiltersAndPages()
    {
        var urgent = await app.OpenTicketAsync(Customer2, "Everything is on fire");
        await (await app.ApiAsync(Agent)).PatchAsJsonAsync(TicketsApp.Path(urgent.Number), new { expectedVersion = urgent.Version, priority = "Urgent" });
        var api = await app.ApiAsync(Agent);

        var onFire = await api.GetFromJsonAsync<TicketPage>("/api/tickets?priority=urgent&q=fire");
        var first = await api.GetFromJsonAsync<TicketPage>("/api/tickets?sort=Newest&limit=1");
        var second = await api.GetFromJsonAsync<TicketPage>($"/api/tickets?sort=Newest&limit=1&cursor={first!.NextCursor}");
        using var badStatus = await api.GetAsync(new Uri("/api/tickets?status=Sleeping", UriKind.Relative));
        using var badLimit = await api.GetAsync(new Uri("/api/tickets?limit=500", UriKind.Relative));

        Assert.Contains(onFire!.Items, t => t.Number == urgent.Number);
        Assert.All(onFire.Items, t => Assert.Equal(TicketPriority.Urgent, t.Priority));
        Assert.Single(first.Items);
        Assert.True(second!.Items[0].Number < first.Items[0].Number);
        await badStatus.ReadProblemAsync(HttpStatusCode.BadRequest);
        await badLimit.ReadProblemAsync(HttpStatusCode.BadRequest);
    }

    [Fact]
    public async Task Collision_AgentsSeeWhoElseIsViewingAndTyping()
    {
        var ticket = await app.OpenTicketAsync(Customer, "Two agents on it");
        await using var sam = await app.ConnectTicketHubAsync(Agent);
        await using var maya = await app.ConnectTicketHubAsync(Manager);

        await sam.InvokeAsync<SupportCommunity.Presence.RoomPresence>("WatchTicket", ticket.Number);
        var viewers = await maya.InvokeAsync<SupportCommunity.Presence.RoomPresence>("WatchTicket", ticket.Number);
        Assert.Equal(["Maya Chen", "Sam Patel"], viewers.Users.Select(u => u.Name).Order());

        var joined = await sam.PresenceChanged.NextMatchingAsync(p => p.RoomSlug == $"ticket:{ticket.Number}" && p.Online.Count == 2);
        Assert.Contains(joined.Online.Users, u => u.Name == "Maya Chen");

        await maya.InvokeAsync("TypingOnTicket", ticket.Number);
        var typing = await sam.UserTyping.NextMatchingAsync(t => t.RoomSlug == $"ticket:{ticket.Number}");
        Assert.Equal("Maya Chen", typing.User.Name);

        await maya.InvokeAsync("UnwatchTicket", ticket.Number);
        await sam.PresenceChanged.NextMatchingAsync(p => p.RoomSlug == $"ticket:{ticket.Number}" && p.Online.Count == 1);
    }

    [Fact]
    public async Task DemoCommunity_SeedsThreeTickets()
    {
        var api = await app.ApiAsync(Agent);
        var all = await api.GetFromJsonAsync<TicketPage>("/api/tickets?sort=Newest&limit=100");
        var seeded = all!.Items.Where(t => t.Number <= 3).OrderBy(t => t.Number).ToList();

        Assert.Equal(
            [(1, TicketStatus.New, "Jordan Lee", (string?)null), (2, TicketStatus.Open, "Casey Brooks", "Sam Patel"), (3, TicketStatus.Solved, "Casey Brooks", "Sam Patel")],
            seeded.Select(t => (t.Number, t.Status, t.RequesterName, t.AssigneeName)));
        var open = await (await app.ApiAsync(Customer2)).GetFromJsonAsync<TicketDto>("/api/tickets/2");
        Assert.NotEmpty(open!.Transcript);
        Assert.DoesNotContain(open.Timeline, e => e.Kind == TicketEntryKind.InternalNote);
    }
}
