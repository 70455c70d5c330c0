using System.Net;
using System.Net.Http.Json;
using Microsoft.AspNetCore.SignalR;
using SupportCommunity.Tickets;
using static SupportCommunity.Web.Tests.Integration.Accounts;

namespace SupportCommunity.Web.Tests.Integration.Tickets;

/// <summary>
/// Another customer probes a customer's ticket by number on every path: each answer is exactly the answer for a number
/// that does not exist, and nothing is stored. And a customer never receives an internal note, over REST or live.
/// </summary>
public sealed class TicketLeakTests(TicketsApp app) : IClassFixture<TicketsApp>
{
    public static readonly TheoryData<string> RestPaths =
        ["GET ticket", "POST reply", "POST note", "POST rating", "PATCH", "POST claim", "GET viewers"];

    public static readonly TheoryData<string> HubMethods =
        ["GetTicket", "ReplyToTicket", "RateTicket", "UpdateTicket", "ClaimTicket", "WatchTicket", "TypingOnTicket"];

    [Theory]
    [MemberData(nameof(RestPaths))]
    public async Task Rest_AnotherCustomersTicket_IsAnsweredLikeAMissingNumber(string path)
    {
        var ticket = await app.OpenTicketAsync(Customer, "Private matter: my card ends in 4242", TicketStatus.Solved);
        const int missing = 999_999;
        var api = await app.ApiAsync(Customer2);
        var before = await app.StateAsync(ticket.Number);

        using var probe = await CallAsync(api, path, ticket.Number, ticket.Version);
        var probeText = await probe.Content.ReadAsStringAsync();
        var refusal = await probe.ReadProblemAsync(HttpStatusCode.NotFound);
        using var unknown = await CallAsync(api, path, missing, ticket.Version);
        var nothing = await unknown.ReadProblemAsync(HttpStatusCode.NotFound);

        Assert.Equal($"There is no ticket #{ticket.Number}.", refusal.Detail);
        Assert.Equal(nothing.Detail!.Replace("999999", "N", StringComparison.Ordinal), refusal.Detail!.Replace(ticket.Number.ToString(System.Globalization.CultureInfo.InvariantCulture), "N", StringComparison.Ordinal));
        Assert.Equal((nothing.Title, nothing.Type, nothing.Status), (refusal.Title, refusal.Type, refusal.Status));
        Assert.DoesNotContain("4242", probeText, StringComparison.Ordinal);
        Assert.Equal(before, await app.StateAsync(ticket.Number));
    }

    [Theory]
    [MemberData(nameof(HubMethods))]
    public async Task Hub_AnotherCustomersTicket_IsAnsweredLikeAMissingNumber(string method)
    {
        var ticket = await app.OpenTicketAsync(Customer, "Private matter", TicketStatus.Solved);
        const int missing = 999_999;
        var hub = await app.HubAsync(Customer2);
        var before = await app.StateAsync(ticket.Number);

        var refusal = await Assert.ThrowsAsync<HubException>(() => InvokeAsync(hub, method, ticket.Number, ticket.Version));
        var unknown = await Assert.ThrowsAsync<HubException>(() => InvokeAsync(hub, method, missing, ticket.Version));

        Assert.EndsWith($"There is no ticket #{ticket.Number}.", refusal.Message, StringComparison.Ordinal);
        Assert.Equal(unknown.Message.Replace("999999", "N", StringComparison.Ordinal), refusal.Message.Replace(ticket.Number.ToString(System.Globalization.CultureInfo.InvariantCulture), "N", StringComparison.Ordinal));
        Assert.Equal(before, await app.StateAsync(ticket.Number));
    }

    [Fact]
    public async Task Lists_NeverShowAnotherCustomersTicket()
    {
        var ticket = await app.OpenTicketAsync(Customer, "Only Jordan's");
        var api = await app.ApiAsync(Customer2);

        using var mine = await api.GetAsync(new Uri("/api/tickets/mine", UriKind.Relative));
        using var desk = await api.GetAsync(new Uri("/api/tickets", UriKind.Relative));

        var page = await TicketsApp.ReadAsync<TicketPage>(mine);
        Assert.DoesNotContain(page.Items, t => t.Number == ticket.Number);
        Assert.All(page.Items, t => Assert.NotEqual(ticket.Summary.RequesterId, t.RequesterId));
        Assert.Equal(HttpStatusCode.Forbidden, desk.StatusCode);
    }

    [Fact]
    public async Task InternalNotes_NeverReachTheCustomer_OverRestOrLive()
    {
        var ticket = await app.OpenTicketAsync(Customer, "Notes stay inside");
        await using var customer = await app.ConnectTicketHubAsync(Customer);
        await using var agent = await app.ConnectTicketHubAsync(Agent);
        var seen = (await customer.InvokeAsync<TicketDto>("GetTicket", ticket.Number)).Summary;

        await agent.InvokeAsync<TicketReplyResult>("ReplyToTicket", ticket.Number, "INTERNAL: refund approved by finance", true, null);
        var api = await app.ApiAsync(Agent);
        using (var note = await api.PostAsJsonAsync(TicketsApp.Path(ticket.Number, "/replies"), new { body = "INTERNAL: second note", @internal = true }))
        {
            Assert.Equal(HttpStatusCode.Created, note.StatusCode);
        }

        // Not even the customer's version or "updated" time moved: nothing says staff wrote something.
        var afterNotes = (await customer.InvokeAsync<TicketDto>("GetTicket", ticket.Number)).Summary;
        Assert.Equal((seen.Version, seen.UpdatedAt), (afterNotes.Version, afterNotes.UpdatedAt));

        var answer = await agent.InvokeAsync<TicketReplyResult>("ReplyToTicket", ticket.Number, "Your refund is on its way.", false, null);

        // The public reply is the barrier: everything sent to the customer before it is in the list.
        var received = await customer.TicketEntryAdded.UntilAsync(e => e.Entry.Body == "Your refund is on its way.");
        Assert.DoesNotContain(received, e => e.Entry.Kind == TicketEntryKind.InternalNote || (e.Entry.Body ?? "").Contains("INTERNAL", StringComparison.Ordinal));
        // The reply's change is the first the customer heard of, one version on from what they had.
        var changed = await customer.TicketChanged.UntilAsync(t => t.Version > seen.Version);
        var only = Assert.Single(changed);
        Assert.Equal((seen.Version + 1, answer.Entry.At), (only.Version, only.UpdatedAt));
        Assert.Null(only.FirstResponse);
        // The desk connection did get the notes.
        await agent.TicketEntryAdded.NextMatchingAsync(e => e.Entry.Body == "INTERNAL: second note");

        var asCustomer = await (await app.ApiAsync(Customer)).GetStringAsync(new Uri(TicketsApp.Path(ticket.Number), UriKind.Relative));
        var overHub = await customer.InvokeAsync<TicketDto>("GetTicket", ticket.Number);
        Assert.DoesNotContain("INTERNAL", asCustomer, StringComparison.Ordinal);
        Assert.DoesNotContain(overHub.Timeline, e => e.Kind == TicketEntryKind.InternalNote);
        Assert.Contains(overHub.Timeline, e => e.Body == "Your refund is on its way.");
        Assert.False(overHub.Can.CanAddNote);
    }

    private static Task<HttpResponseMessage> CallAsync(HttpClient api, string path, int number, int version) => path switch
    {
        "GET ticket" => api.GetAsync(new Uri(TicketsApp.Path(number), UriKind.Relative)),
        "POST reply" => api.PostAsJsonAsync(TicketsApp.Path(number, "/replies"), new { body = "Let me in" }),
        "POST note" => api.PostAsJsonAsync(TicketsApp.Path(number, "/replies"), new { body = "Let me in", @internal = true }),
        "POST rating" => api.PostAsJsonAsync(TicketsApp.Path(number, "/rating"), new { rating = 1, comment = "bad" }),
        "PATCH" => api.PatchAsJsonAsync(TicketsApp.Path(number), new { expectedVersion = version, status = "Closed" }),
        "POST claim" => api.PostAsync(new Uri(TicketsApp.Path(number, "/claim"), UriKind.Relative), null),
        _ => api.GetAsync(new Uri(TicketsApp.Path(number, "/viewers"), UriKind.Relative)),
    };

    private static Task InvokeAsync(TicketHub hub, string method, int number, int version) => method switch
    {
        "GetTicket" => hub.InvokeAsync<TicketDto>(method, number),
        "ReplyToTicket" => hub.InvokeAsync<TicketReplyResult>(method, number, "Let me in", false, null),
        "RateTicket" => hub.InvokeAsync<TicketDto>(method, number, 1, "bad"),
        "UpdateTicket" => hub.InvokeAsync<TicketDto>(method, number, new TicketChange(version, Status: TicketStatus.Closed)),
        "ClaimTicket" => hub.InvokeAsync<TicketDto>(method, number),
        "WatchTicket" => hub.InvokeAsync<SupportCommunity.Presence.RoomPresence>(method, number),
        _ => hub.InvokeAsync(method, number),
    };
}
