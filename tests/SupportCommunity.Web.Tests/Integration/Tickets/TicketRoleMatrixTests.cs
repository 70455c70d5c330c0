using System.Net;
using System.Net.Http.Json;
using Microsoft.AspNetCore.SignalR;
using SupportCommunity.Tickets;
using static SupportCommunity.Web.Tests.Integration.Accounts;

namespace SupportCommunity.Web.Tests.Integration.Tickets;

public enum TicketRole { Requester, OtherCustomer, TrustedMember, VolunteerModerator, Agent, Manager, Admin, Anonymous }

public enum TicketAction { Escalate, ListDesk, ListMine, Get, Reply, Note, Claim, Update, Rate, Watch }

public enum TicketTransport { Rest, Hub }

public enum Outcome { Allowed, NotFound, Forbidden, Unauthorized, Other }

/// <summary>
/// Every role against every ticket action, over REST and the hub: allowed actions succeed; refused ones store nothing,
/// and a ticket the caller may not see is "not found" exactly like a number that does not exist.
/// </summary>
public sealed class TicketRoleMatrixTests(TicketsApp app) : IClassFixture<TicketsApp>
{
    public static TheoryData<TicketRole, TicketAction, TicketTransport> Cases()
    {
        var data = new TheoryData<TicketRole, TicketAction, TicketTransport>();
        foreach (var role in Enum.GetValues<TicketRole>())
        {
            foreach (var action in Enum.GetValues<TicketAction>())
            {
                foreach (var transport in Enum.GetValues<TicketTransport>())
                {
                    // The hub takes no anonymous connection at all (checked in the security tests).
                    if (role != TicketRole.Anonymous || transport == TicketTransport.Rest)
                    {
                        data.Add(role, action, transport);
                    }
                }
            }
        }

        return data;
    }

    /// <summary>The rules of issue 7, written out independently of the services.</summary>
    public static Outcome Expected(TicketRole role, TicketAction action)
    {
        if (role == TicketRole.Anonymous)
        {
            return Outcome.Unauthorized;
        }

        var desk = role is TicketRole.Agent or TicketRole.Manager or TicketRole.Admin;
        var requester = role == TicketRole.Requester;
        // Outsiders never learn that the ticket exists.
        var hidden = !desk && !requester ? Outcome.NotFound : Outcome.Forbidden;
        return action switch
        {
            // Staff who help privately in the room: the desk, and the moderator of #general (the ticket's room).
            TicketAction.Escalate => desk || role == TicketRole.VolunteerModerator ? Outcome.Allowed : Outcome.Forbidden,
            TicketAction.ListDesk => desk ? Outcome.Allowed : Outcome.Forbidden,
            TicketAction.ListMine => Outcome.Allowed,
            TicketAction.Get or TicketAction.Reply => desk || requester ? Outcome.Allowed : Outcome.NotFound,
            TicketAction.Note or TicketAction.Claim or TicketAction.Update => desk ? Outcome.Allowed : hidden,
            TicketAction.Rate => requester ? Outcome.Allowed : hidden,
            // The collision indicator tells customers nothing, not even that the ticket exists.
            TicketAction.Watch => desk ? Outcome.Allowed : Outcome.NotFound,
            _ => Outcome.Other,
        };
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public async Task Action_ByRole_IsAllowedOnlyByTheRules(TicketRole role, TicketAction action, TicketTransport transport)
    {
        var ticket = await app.OpenTicketAsync(Customer, status: action == TicketAction.Rate ? TicketStatus.Solved : null);
        var before = await app.StateAsync(ticket.Number);

        var outcome = await ActAsync(role, action, transport, ticket);

        var after = await app.StateAsync(ticket.Number);
        Assert.Equal(Expected(role, action), outcome);
        var writes = action is TicketAction.Escalate or TicketAction.Reply or TicketAction.Note or TicketAction.Claim or TicketAction.Update or TicketAction.Rate;
        if (outcome == Outcome.Allowed && writes)
        {
            Assert.NotEqual(before, after);
            Assert.True(after.WebhookEvents > before.WebhookEvents);
        }
        else
        {
            Assert.Equal(before, after);
        }
    }

    private async Task<Outcome> ActAsync(TicketRole role, TicketAction action, TicketTransport transport, TicketDto ticket)
    {
        var email = role switch
        {
            TicketRole.Requester => Customer,
            TicketRole.OtherCustomer => Customer2,
            TicketRole.TrustedMember => Member,
            TicketRole.VolunteerModerator => Moderator,
            TicketRole.Agent => Agent,
            TicketRole.Manager => Manager,
            TicketRole.Admin => Admin,
            _ => null,
        };
        var n = ticket.Number;
        // A fresh customer message for each escalation, so that it opens a new ticket.
        var question = action == TicketAction.Escalate ? await app.SayAsync(Customer2, $"Escalate me {Guid.NewGuid():N}") : null;
        var escalate = new EscalateRequest(General, question?.Sequence, "From the matrix", TicketPriority.High);
        var change = new TicketChange(ticket.Version, Status: TicketStatus.OnHold);

        if (transport == TicketTransport.Rest)
        {
            using var anonymous = email is null ? app.CreateClient() : null;
            var api = anonymous ?? await app.ApiAsync(email!);
            using var response = action switch
            {
                TicketAction.Escalate => await api.PostAsJsonAsync("/api/tickets", escalate),
                TicketAction.ListDesk => await api.GetAsync(new Uri("/api/tickets?status=New&sort=Newest", UriKind.Relative)),
                TicketAction.ListMine => await api.GetAsync(new Uri("/api/tickets/mine", UriKind.Relative)),
                TicketAction.Get => await api.GetAsync(new Uri(TicketsApp.Path(n), UriKind.Relative)),
                TicketAction.Reply => await api.PostAsJsonAsync(TicketsApp.Path(n, "/replies"), new { body = "A public reply" }),
                TicketAction.Note => await api.PostAsJsonAsync(TicketsApp.Path(n, "/replies"), new { body = "A note", @internal = true }),
                TicketAction.Claim => await api.PostAsync(new Uri(TicketsApp.Path(n, "/claim"), UriKind.Relative), null),
                TicketAction.Update => await api.PatchAsJsonAsync(TicketsApp.Path(n), new { expectedVersion = ticket.Version, status = "OnHold" }),
                TicketAction.Rate => await api.PostAsJsonAsync(TicketsApp.Path(n, "/rating"), new { rating = 4, comment = "Fine" }),
                _ => await api.GetAsync(new Uri(TicketsApp.Path(n, "/viewers"), UriKind.Relative)),
            };
            var outcome = response.StatusCode switch
            {
                HttpStatusCode.OK or HttpStatusCode.Created => Outcome.Allowed,
                HttpStatusCode.NotFound => Outcome.NotFound,
                HttpStatusCode.Forbidden => Outcome.Forbidden,
                HttpStatusCode.Unauthorized => Outcome.Unauthorized,
                _ => Outcome.Other,
            };
            if (outcome == Outcome.NotFound)
            {
                Assert.Equal($"There is no ticket #{n}.", (await response.ReadProblemAsync(HttpStatusCode.NotFound)).Detail);
            }

            return outcome;
        }

        var hub = await app.HubAsync(email!);
        try
        {
            switch (action)
            {
                case TicketAction.Escalate: await hub.InvokeAsync<EscalationResult>("EscalateToTicket", escalate); break;
                case TicketAction.ListDesk: await hub.InvokeAsync<TicketPage>("ListDeskTickets", new TicketQuery(Statuses: [TicketStatus.New])); break;
                case TicketAction.ListMine: await hub.InvokeAsync<TicketPage>("ListMyTickets", (string?)null); break;
                case TicketAction.Get: await hub.InvokeAsync<TicketDto>("GetTicket", n); break;
                case TicketAction.Reply: await hub.InvokeAsync<TicketReplyResult>("ReplyToTicket", n, "A public reply", false, null); break;
                case TicketAction.Note: await hub.InvokeAsync<TicketReplyResult>("ReplyToTicket", n, "A note", true, null); break;
                case TicketAction.Claim: await hub.InvokeAsync<TicketDto>("ClaimTicket", n); break;
                case TicketAction.Update: await hub.InvokeAsync<TicketDto>("UpdateTicket", n, change); break;
                case TicketAction.Rate: await hub.InvokeAsync<TicketDto>("RateTicket", n, 4, "Fine"); break;
                default:
                    await hub.InvokeAsync<SupportCommunity.Presence.RoomPresence>("WatchTicket", n);
                    await hub.InvokeAsync("UnwatchTicket", n);
                    break;
            }

            return Outcome.Allowed;
        }
        catch (HubException ex) when (ex.Message.EndsWith($"There is no ticket #{n}.", StringComparison.Ordinal))
        {
            return Outcome.NotFound;
        }
        catch (HubException ex) when (ex.Message.Contains("Only ", StringComparison.Ordinal))
        {
            return Outcome.Forbidden;
        }
    }
}
