using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.AspNetCore.Http.Connections;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.SignalR;
using Microsoft.AspNetCore.SignalR.Client;
using Microsoft.EntityFrameworkCore;
using SupportCommunity.Conversations;
using SupportCommunity.Identity;
using SupportCommunity.Messages;
using SupportCommunity.Moderation;
using SupportCommunity.Tickets;
using SupportCommunity.Web.Tests.Integration.Moderation;
using static SupportCommunity.Web.Tests.Integration.Accounts;

namespace SupportCommunity.Web.Tests.Integration.Security;

/// <summary>Every action the product exposes to a member, by the name a member would give it.</summary>
public enum Act
{
    // Posting and one's own messages (#general).
    Send, Reply, EditOwn, DeleteOwn, EditOther, DeleteOther, Report, ReplyPrivately,

    // Reactions (#general): on one's own message, on another's, and on a message in another customer's conversation.
    ReactOwn, ReactOther, ReactPrivateMessage,

    // Reading #general.
    Join, History, Thread, Search, MarkRead, Typing, RoomControls, RoomRules,

    // Private conversations: one's own, its staff notes, another customer's and a message in it.
    OwnConversation, OwnConversationHistory, OwnConversationSend, OwnNotes, OtherConversation, OtherConversationSend,
    EditPrivateMessage, ReportPrivateMessage,

    // Tickets: escalation, one's own, another customer's.
    Escalate, TicketListMine, TicketReadOwn, TicketReplyOwn, TicketRateOwn, TicketNoteOwn, TicketClaimOwn,
    TicketReadOther, TicketReplyOther, TicketRateOther, TicketListDesk,

    // Moderation.
    ModerateEdit, ModerateDelete, TimeoutUser, BanFromRoom, BanFromCommunity, LiftSanction, GrantRole, RevokeRole,
    SanctionsOfUser, RightsOfUser, AuditRead, QueueRead, QueueDismiss, AutomodRead,

    // Room controls.
    SlowMode, Lock, Unlock, CoolDown, Unpin, SetRules,

    // Canned responses and webhooks.
    CannedList, CannedCreate, CannedUpdate, CannedDelete, WebhooksList, WebhooksCreate, WebhooksUpdate, WebhooksDelete,

    // One's own standing.
    MySanctions, MyRights, Notifications,
}

public enum Via { Rest, Hub }

public enum Outcome { Allowed, Unauthorized, Forbidden, NotFound }

/// <summary>
/// Issue 8, item 1: anonymous callers and sanctioned customers (timed out, banned from #general, banned from the
/// community), with an unsanctioned customer as the control, against every action the product exposes, over REST and
/// the hub (the Blazor handlers are in <see cref="AccessMatrixUiTests"/>). Refused cases store nothing (snapshot before
/// and after); allowed ones work; where an object's existence is private, the refusal reads exactly like the answer
/// for a missing one (status, title, type and detail, the id masked).
/// </summary>
/// <remarks>
/// The rules (design.md §2, ADR-0008), as decided for this matrix: a timeout stops posting and editing everywhere
/// (private conversations included) but not reading, deleting one's own message or reporting; a room ban closes that
/// room (reads answer 403 with the ban's reason: the member knows the room exists; its messages by id are "no such
/// message"); a community ban closes every room and the hub. Tickets are the support desk, not the community: a
/// sanctioned customer still reads, answers and rates their own tickets. Nobody learns that another customer's
/// conversation, ticket or message exists.
/// </remarks>
public sealed class AccessMatrixTests(AccessApp app) : IClassFixture<AccessApp>
{
    private const string Reason = "matrix reason";
    private const string MissingSlug = "dm-zz-no-such-room";
    private const long MissingMessage = long.MaxValue - 11;
    private const int MissingTicket = 999_999;
    private static readonly string[] WebhookEvents = ["ticket.created"];

    /// <summary>The actions each transport offers (the hub has no canned responses, webhooks, audit or automod methods).</summary>
    public static bool Offers(Via via, Act act) => via switch
    {
        Via.Rest => act is not (Act.Join or Act.Typing or Act.EditOther or Act.DeleteOther or Act.EditPrivateMessage),
        _ => act is not (Act.AuditRead or Act.AutomodRead or Act.RightsOfUser or Act.CannedList or Act.CannedCreate or Act.CannedUpdate
            or Act.CannedDelete or Act.WebhooksList or Act.WebhooksCreate or Act.WebhooksUpdate or Act.WebhooksDelete),
    };

    public static TheoryData<Caller, Act, Via> Cases()
    {
        var data = new TheoryData<Caller, Act, Via>();
        foreach (var caller in Enum.GetValues<Caller>())
        {
            foreach (var act in Enum.GetValues<Act>())
            {
                foreach (var via in Enum.GetValues<Via>())
                {
                    // Nobody signed in has no hub connection at all (see Connect_*).
                    if (Offers(via, act) && (via == Via.Rest || caller != Caller.Anonymous))
                    {
                        data.Add(caller, act, via);
                    }
                }
            }
        }

        return data;
    }

    /// <summary>The rules, written out independently of the services.</summary>
    public static Outcome Expected(Caller caller, Act act)
    {
        if (caller == Caller.Anonymous)
        {
            return Outcome.Unauthorized;
        }

        var readsGeneral = caller is Caller.Customer or Caller.TimedOut;
        var posts = caller == Caller.Customer;
        var inCommunity = caller != Caller.CommunityBanned;
        var closedGeneral = readsGeneral ? Outcome.Allowed : Outcome.Forbidden;
        // A message by id in a room one may not read is a message that does not exist.
        var byId = readsGeneral ? Outcome.Forbidden : Outcome.NotFound;
        return act switch
        {
            Act.Send or Act.Reply => posts ? Outcome.Allowed : Outcome.Forbidden,
            Act.EditOwn => posts ? Outcome.Allowed : caller == Caller.TimedOut ? Outcome.Forbidden : Outcome.NotFound,
            // Reacting is posting: a timed-out member reads the message but may not react; the banned cannot see it.
            Act.ReactOwn or Act.ReactOther => posts ? Outcome.Allowed : caller == Caller.TimedOut ? Outcome.Forbidden : Outcome.NotFound,
            Act.DeleteOwn => readsGeneral ? Outcome.Allowed : Outcome.NotFound,
            Act.EditOther or Act.DeleteOther or Act.ModerateEdit or Act.ModerateDelete => byId,
            Act.Report => readsGeneral ? Outcome.Allowed : Outcome.NotFound,
            Act.ReplyPrivately => Outcome.Forbidden,
            Act.Join or Act.History or Act.Thread or Act.Search or Act.MarkRead or Act.RoomControls or Act.RoomRules => closedGeneral,
            // Typing is posting's notice: nobody who may not post shows as typing.
            Act.Typing => posts ? Outcome.Allowed : Outcome.Forbidden,
            Act.OwnConversation or Act.OwnConversationHistory => inCommunity ? Outcome.Allowed : Outcome.Forbidden,
            // The room ban is of #general, not of the private conversation staff opened from it.
            Act.OwnConversationSend => caller is Caller.Customer or Caller.RoomBanned ? Outcome.Allowed : Outcome.Forbidden,
            Act.OwnNotes or Act.OtherConversation or Act.OtherConversationSend or Act.EditPrivateMessage or Act.ReportPrivateMessage
                or Act.ReactPrivateMessage => Outcome.NotFound,
            Act.TicketListMine or Act.TicketReadOwn or Act.TicketReplyOwn or Act.TicketRateOwn => Outcome.Allowed,
            Act.TicketReadOther or Act.TicketReplyOther or Act.TicketRateOther => Outcome.NotFound,
            Act.MySanctions or Act.MyRights or Act.Notifications => Outcome.Allowed,
            // Everything else is staff's: escalation, the desk, moderation, room controls, canned responses, webhooks.
            _ => Outcome.Forbidden,
        };
    }

    /// <summary>The actions whose success must show in the database.</summary>
    private static bool Writes(Act act) => act is Act.Send or Act.Reply or Act.EditOwn or Act.DeleteOwn or Act.Report
        or Act.ReactOwn or Act.ReactOther or Act.OwnConversationSend or Act.TicketReplyOwn or Act.TicketRateOwn;

    /// <summary>Where the object's existence is private: the probe is repeated on a missing one and must read the same.</summary>
    private static bool Private(Act act) => act is Act.OwnNotes or Act.OtherConversation or Act.OtherConversationSend
        or Act.EditPrivateMessage or Act.ReportPrivateMessage or Act.ReactPrivateMessage or Act.TicketReadOther or Act.TicketReplyOther or Act.TicketRateOther;

    [Theory]
    [MemberData(nameof(Cases))]
    public async Task Action_ByCaller_IsAllowedOnlyByTheRulesAndRefusalsStoreNothing(Caller caller, Act act, Via via)
    {
        var target = await ArrangeAsync(caller, act);
        var before = await SnapshotAsync();

        var answer = await CallAsync(caller, act, via, target, missing: false);

        var after = await SnapshotAsync();
        Assert.True(Expected(caller, act) == answer.Outcome, $"Expected {Expected(caller, act)}, got {answer.Outcome}: {answer.Text}");
        if (answer.Outcome == Outcome.Allowed)
        {
            if (Writes(act))
            {
                Assert.NotEqual(before, after);
            }

            return;
        }

        Assert.Equal(before, after);
        if (Private(act) && caller != Caller.Anonymous)
        {
            var missing = await CallAsync(caller, act, via, target, missing: true);
            Assert.Equal(answer.Outcome, missing.Outcome);
            Assert.Equal(missing.Masked(target.MissingToken), answer.Masked(target.Token));
            Assert.DoesNotContain("4242", answer.Text, StringComparison.Ordinal);
            Assert.Equal(before, await SnapshotAsync());
        }
    }

    [Theory]
    [InlineData(HttpTransportType.WebSockets)]
    [InlineData(HttpTransportType.LongPolling)]
    public async Task Connect_Anonymous_IsRefusedWith401(HttpTransportType transport)
    {
        await using var connection = app.BuildHubConnection(token: null, transport);

        var refusal = await Assert.ThrowsAsync<HttpRequestException>(() => connection.StartAsync().WaitAsync(CommunityAppFactory.Timeout));

        Assert.Equal(HttpStatusCode.Unauthorized, refusal.StatusCode);
    }

    [Theory]
    [InlineData(HttpTransportType.WebSockets)]
    [InlineData(HttpTransportType.LongPolling)]
    public async Task Connect_CommunityBanned_IsClosedWithTheBansReason(HttpTransportType transport)
    {
        var token = await app.LoginAsync(app.Account(Caller.CommunityBanned).Email);
        await using var connection = app.BuildHubConnection(token, transport);
        var closed = new TaskCompletionSource<Exception?>(TaskCreationOptions.RunContinuationsAsynchronously);
        connection.Closed += error =>
        {
            closed.TrySetResult(error);
            return Task.CompletedTask;
        };
        try
        {
            await connection.StartAsync().WaitAsync(CommunityAppFactory.Timeout);
        }
        catch (Exception error)
        {
            closed.TrySetResult(error);
        }

        var reason = await closed.Task.WaitAsync(CommunityAppFactory.Timeout);
        Assert.Contains("You are banned from the community for ", reason?.Message, StringComparison.Ordinal);
        Assert.Contains(": Matrix sanction", reason?.Message, StringComparison.Ordinal);
    }

    public static readonly TheoryData<string> Pages =
    [
        "/", "/rooms/general", "/conversations", "/conversations/dm-anything", "/tickets", "/tickets/1", "/desk", "/desk/tickets/1",
        "/canned-responses", "/moderation/queue", "/moderation/members", "/moderation/audit", "/moderation/automod", "/admin/webhooks",
    ];

    [Theory]
    [MemberData(nameof(Pages))]
    public async Task Page_Anonymous_RedirectsToSignIn(string path)
    {
        using var response = await app.Anonymous.GetAsync(new Uri(path, UriKind.Relative));

        Assert.Equal(HttpStatusCode.Redirect, response.StatusCode);
        var location = response.Headers.Location;
        Assert.NotNull(location);
        Assert.StartsWith("/signin", location.IsAbsoluteUri ? location.PathAndQuery : location.OriginalString, StringComparison.Ordinal);
        Assert.DoesNotContain("matrix", await response.Content.ReadAsStringAsync(), StringComparison.OrdinalIgnoreCase);
    }

    /// <summary>What a case acts on; <see cref="Token"/> is the private object's id as it appears in answers.</summary>
    private sealed record Target(MessageDto? Own, MessageDto Other, TicketDto? Ticket, string Token, string MissingToken);

    private async Task<Target> ArrangeAsync(Caller caller, Act act)
    {
        var account = caller == Caller.Anonymous ? app.Account(Caller.Customer) : app.Account(caller);
        MessageDto? own = act is Act.EditOwn or Act.DeleteOwn or Act.ReactOwn or Act.TicketReadOwn or Act.TicketReplyOwn or Act.TicketRateOwn
            or Act.TicketNoteOwn or Act.TicketClaimOwn
            ? (account.OwnMessages.TryDequeue(out var m) ? m : throw new InvalidOperationException("Out of own messages."))
            : null;
        // A fresh message of the other customer for reports and moderation, so that no earlier case's report answers for it.
        var other = await app.OtherSaysAsync($"Casey says something for {caller} {act} {Guid.NewGuid():N}");
        TicketDto? ticket = null;
        if (act is Act.TicketReadOwn or Act.TicketReplyOwn or Act.TicketRateOwn or Act.TicketNoteOwn or Act.TicketClaimOwn)
        {
            ticket = await app.OpenTicketAsync(account.Actor, own!, solved: act == Act.TicketRateOwn);
        }
        else if (act is Act.TicketReadOther or Act.TicketReplyOther or Act.TicketRateOther)
        {
            ticket = await app.OpenTicketAsync(app.Other, other, solved: act == Act.TicketRateOther);
        }

        var (token, missing) = act switch
        {
            Act.OwnNotes => (account.Conversation.NotesSlug ?? await NotesSlugAsync(account.Conversation.Slug), MissingSlug),
            Act.OtherConversation or Act.OtherConversationSend => (app.OtherConversation.Slug, MissingSlug),
            Act.EditPrivateMessage or Act.ReportPrivateMessage or Act.ReactPrivateMessage => (Id(app.OtherPrivateMessage.Id), Id(MissingMessage)),
            Act.TicketReadOther or Act.TicketReplyOther or Act.TicketRateOther => (Id(ticket!.Number), Id(MissingTicket)),
            _ => ("", ""),
        };
        return new Target(own, other, ticket, token, missing);
    }

    private async Task<string> NotesSlugAsync(string conversationSlug)
    {
        await using var db = await Members.DbAsync(app);
        var id = await db.Rooms.Where(r => r.Slug == conversationSlug).Select(r => r.Id).SingleAsync();
        return await db.Rooms.Where(r => r.ParentRoomId == id).Select(r => r.Slug).SingleAsync();
    }

    private static string Id(long id) => id.ToString(CultureInfo.InvariantCulture);

    /// <summary>An answer: its outcome and its text (problem details as JSON, or the hub's message) for comparison.</summary>
    private sealed record Answer(Outcome Outcome, string Text, string Head = "")
    {
        /// <summary>The answer with the object's id masked in its text (not in the status, title or type).</summary>
        public string Masked(string token) => Head + "|" + (token.Length == 0 ? Text : Text.Replace(token, "{id}", StringComparison.Ordinal));
    }

    private async Task<Answer> CallAsync(Caller caller, Act act, Via via, Target target, bool missing)
    {
        var account = caller == Caller.Anonymous ? null : app.Account(caller);
        var own = account?.Conversation ?? app.Account(Caller.Customer).Conversation;
        var ownMessage = target.Own;
        var other = target.Other;
        var ticket = target.Ticket;
        var userId = app.Other.UserId;
        var sanctionId = app.Account(Caller.TimedOut).SanctionId;
        var notes = missing ? MissingSlug : target.Token;
        var otherRoom = missing ? MissingSlug : app.OtherConversation.Slug;
        var privateMessage = missing ? MissingMessage : app.OtherPrivateMessage.Id;
        var otherTicket = missing ? MissingTicket : ticket?.Number ?? 0;
        var escalate = new EscalateRequest(General, other.Sequence, "From the access matrix");

        if (via == Via.Hub)
        {
            var hub = account!.Hub;
            Func<Task> call = act switch
            {
                Act.Send => () => hub.InvokeAsync<MessageDto>("SendMessage", General, Guid.NewGuid(), "Hello from the matrix"),
                Act.Reply => () => hub.InvokeAsync<MessageDto>("SendReply", General, Guid.NewGuid(), "A thread reply from the matrix", other.Sequence),
                Act.EditOwn => () => hub.InvokeAsync<MessageDto>("EditMessage", ownMessage!.Id, "Edited by its author (matrix)"),
                Act.DeleteOwn => () => hub.InvokeAsync<MessageDto>("DeleteMessage", ownMessage!.Id),
                Act.EditOther => () => hub.InvokeAsync<MessageDto>("EditMessage", other.Id, "Edited by someone else (matrix)"),
                Act.DeleteOther => () => hub.InvokeAsync<MessageDto>("DeleteMessage", other.Id),
                Act.Report => () => hub.InvokeAsync<ReportReceipt>("ReportMessage", other.Id, "spam: matrix report"),
                Act.ReplyPrivately => () => hub.InvokeAsync<ConversationDto>("ReplyPrivately", General, other.Sequence),
                Act.ReactOwn => () => hub.InvokeAsync<MessageDto>("ToggleReaction", ownMessage!.Id, "👍"),
                Act.ReactOther => () => hub.InvokeAsync<MessageDto>("ToggleReaction", other.Id, "🎉"),
                Act.ReactPrivateMessage => () => hub.InvokeAsync<MessageDto>("ToggleReaction", privateMessage, "👍"),
                Act.Join => () => hub.InvokeAsync<object>("JoinRoom", General, 0L),
                Act.History => () => hub.InvokeAsync<HistoryPage>("GetHistory", General, null, 20),
                Act.Thread => () => hub.InvokeAsync<object>("GetThread", General, other.Sequence),
                Act.Search => () => hub.InvokeAsync<object>("SearchMessages", General, "matrix"),
                Act.MarkRead => () => hub.InvokeAsync("MarkRead", General, other.Sequence),
                Act.Typing => async () =>
                {
                    try
                    {
                        await hub.InvokeAsync<object>("JoinRoom", General, 0L);
                    }
                    catch (HubException)
                    {
                        // Barred from the room: the typing notice below meets the refusal.
                    }

                    await hub.InvokeAsync("Typing", General);
                },
                Act.RoomControls => () => hub.InvokeAsync<object>("GetRoomControls", General),
                Act.RoomRules => () => hub.InvokeAsync<object>("GetRoomRules", General),
                Act.OwnConversation => () => hub.InvokeAsync<ConversationDto>("GetConversation", own.Slug),
                Act.OwnConversationHistory => () => hub.InvokeAsync<HistoryPage>("GetHistory", own.Slug, null, 20),
                Act.OwnConversationSend => () => hub.InvokeAsync<MessageDto>("SendMessage", own.Slug, Guid.NewGuid(), "My answer in private (matrix)"),
                Act.OwnNotes => () => hub.InvokeAsync<HistoryPage>("GetHistory", notes, null, 20),
                Act.OtherConversation => () => hub.InvokeAsync<HistoryPage>("GetHistory", otherRoom, null, 20),
                Act.OtherConversationSend => () => hub.InvokeAsync<MessageDto>("SendMessage", otherRoom, Guid.NewGuid(), "Let me in (matrix)"),
                Act.EditPrivateMessage => () => hub.InvokeAsync<MessageDto>("EditMessage", privateMessage, "Rewritten (matrix)"),
                Act.ReportPrivateMessage => () => hub.InvokeAsync<ReportReceipt>("ReportMessage", privateMessage, "spam: matrix report"),
                Act.Escalate => () => hub.InvokeAsync<EscalationResult>("EscalateToTicket", escalate),
                Act.TicketListMine => () => hub.InvokeAsync<TicketPage>("ListMyTickets", null),
                Act.TicketListDesk => () => hub.InvokeAsync<TicketPage>("ListDeskTickets", new TicketQuery()),
                Act.TicketReadOwn => () => hub.InvokeAsync<TicketDto>("GetTicket", ticket!.Number),
                Act.TicketReplyOwn => () => hub.InvokeAsync<TicketReplyResult>("ReplyToTicket", ticket!.Number, "My answer (matrix)", false, null),
                Act.TicketRateOwn => () => hub.InvokeAsync<TicketDto>("RateTicket", ticket!.Number, 4, "Fine (matrix)"),
                Act.TicketNoteOwn => () => hub.InvokeAsync<TicketReplyResult>("ReplyToTicket", ticket!.Number, "A note (matrix)", true, null),
                Act.TicketClaimOwn => () => hub.InvokeAsync<TicketDto>("ClaimTicket", ticket!.Number),
                Act.TicketReadOther => () => hub.InvokeAsync<TicketDto>("GetTicket", otherTicket),
                Act.TicketReplyOther => () => hub.InvokeAsync<TicketReplyResult>("ReplyToTicket", otherTicket, "Let me in (matrix)", false, null),
                Act.TicketRateOther => () => hub.InvokeAsync<TicketDto>("RateTicket", otherTicket, 1, "bad (matrix)"),
                Act.ModerateEdit => () => hub.InvokeAsync<MessageDto>("ModerateEditMessage", other.Id, "Edited by the matrix", Reason),
                Act.ModerateDelete => () => hub.InvokeAsync<MessageDto>("ModerateDeleteMessage", other.Id, Reason),
                Act.TimeoutUser => () => hub.InvokeAsync<SanctionDto>("TimeoutUser", userId, 10, Reason, General),
                Act.BanFromRoom => () => hub.InvokeAsync<SanctionDto>("BanFromRoom", userId, General, 60, Reason),
                Act.BanFromCommunity => () => hub.InvokeAsync<SanctionDto>("BanFromCommunity", userId, null, Reason),
                Act.LiftSanction => () => hub.InvokeAsync<SanctionDto>("LiftSanction", sanctionId, Reason),
                Act.GrantRole => () => hub.InvokeAsync<MemberRightsDto>("GrantRole", userId, CommunityRoles.TrustedMember, null, Reason),
                Act.RevokeRole => () => hub.InvokeAsync<MemberRightsDto>("RevokeRole", userId, CommunityRoles.TrustedMember, null, Reason),
                Act.SanctionsOfUser => () => hub.InvokeAsync<object>("GetSanctions", userId),
                Act.QueueRead => () => hub.InvokeAsync<object>("GetModerationQueue"),
                Act.QueueDismiss => () => hub.InvokeAsync<MessageDto>("DismissReport", other.Id, Reason),
                Act.SlowMode => () => hub.InvokeAsync<object>("SetSlowMode", General, 30, Reason),
                Act.Lock => () => hub.InvokeAsync<object>("LockRoom", General, "Locked by the matrix"),
                Act.Unlock => () => hub.InvokeAsync<object>("UnlockRoom", General),
                Act.CoolDown => () => hub.InvokeAsync<object>("CoolDown", General, null, null),
                Act.Unpin => () => hub.InvokeAsync<object>("UnpinNotice", General),
                Act.SetRules => () => hub.InvokeAsync<object>("SetRoomRules", General, "Rules by the matrix"),
                Act.MySanctions => () => hub.InvokeAsync<object>("GetMySanctions"),
                Act.MyRights => () => hub.InvokeAsync<object>("GetMyRights"),
                Act.Notifications => () => hub.InvokeAsync<object>("GetNotifications", null),
                _ => throw new ArgumentOutOfRangeException(nameof(act), act, null),
            };
            try
            {
                await call().WaitAsync(CommunityAppFactory.Timeout);
                return new Answer(Outcome.Allowed, "");
            }
            catch (HubException refusal)
            {
                var text = refusal.Message;
                Assert.DoesNotContain("   at ", text, StringComparison.Ordinal);
                Assert.DoesNotContain("Something went wrong", text, StringComparison.Ordinal);
                return new Answer(text.Contains("HubException: There is no ", StringComparison.Ordinal) ? Outcome.NotFound : Outcome.Forbidden, text);
            }
        }

        var api = account?.Api ?? app.Anonymous;
        using var response = act switch
        {
            Act.Send => await api.PostMessageAsync(General, "Hello from the matrix"),
            Act.Reply => await api.PostMessageAsync(General, "A thread reply from the matrix", replyToSequence: other.Sequence),
            // Over REST a member edits or deletes their own message through the moderation routes (the author needs no rights).
            Act.EditOwn => await api.PostAsJsonAsync($"/api/moderation/messages/{ownMessage!.Id}/edit", new { body = "Edited by its author (matrix)", reason = Reason }),
            Act.DeleteOwn => await api.PostAsJsonAsync($"/api/moderation/messages/{ownMessage!.Id}/delete", new { reason = Reason }),
            Act.Report => await api.PostAsJsonAsync($"/api/messages/{other.Id}/reports", new { reason = "spam: matrix report" }),
            Act.ReplyPrivately => await api.PostAsync(Rel($"/api/rooms/{General}/messages/{other.Sequence}/reply-privately"), null),
            Act.ReactOwn => await api.PostAsJsonAsync($"/api/messages/{ownMessage!.Id}/reactions", new { emoji = "👍" }),
            Act.ReactOther => await api.PostAsJsonAsync($"/api/messages/{other.Id}/reactions", new { emoji = "🎉", on = true }),
            Act.ReactPrivateMessage => await api.PostAsJsonAsync($"/api/messages/{privateMessage}/reactions", new { emoji = "👍" }),
            Act.History => await api.GetAsync(ApiClientExtensions.HistoryUri(General, limit: 20)),
            Act.Thread => await api.GetAsync(Rel($"/api/rooms/{General}/messages/{other.Sequence}/thread")),
            Act.Search => await api.GetAsync(Rel($"/api/rooms/{General}/messages/search?q=matrix")),
            Act.MarkRead => await api.PostAsJsonAsync($"/api/rooms/{General}/read", new { sequence = other.Sequence }),
            Act.RoomControls => await api.GetAsync(Rel($"/api/rooms/{General}/controls")),
            Act.RoomRules => await api.GetAsync(Rel($"/api/rooms/{General}/rules")),
            Act.OwnConversation => await api.GetAsync(Rel($"/api/conversations/{own.Slug}")),
            Act.OwnConversationHistory => await api.GetAsync(ApiClientExtensions.HistoryUri(own.Slug, limit: 20)),
            Act.OwnConversationSend => await api.PostMessageAsync(own.Slug, "My answer in private (matrix)"),
            Act.OwnNotes => await api.GetAsync(ApiClientExtensions.HistoryUri(notes, limit: 20)),
            Act.OtherConversation => await api.GetAsync(ApiClientExtensions.HistoryUri(otherRoom, limit: 20)),
            Act.OtherConversationSend => await api.PostMessageAsync(otherRoom, "Let me in (matrix)"),
            Act.ReportPrivateMessage => await api.PostAsJsonAsync($"/api/messages/{privateMessage}/reports", new { reason = "spam: matrix report" }),
            Act.Escalate => await api.PostAsJsonAsync("/api/tickets", escalate),
            Act.TicketListMine => await api.GetAsync(Rel("/api/tickets/mine")),
            Act.TicketListDesk => await api.GetAsync(Rel("/api/tickets")),
            Act.TicketReadOwn => await api.GetAsync(Rel(TicketPath(ticket!.Number))),
            Act.TicketReplyOwn => await api.PostAsJsonAsync(TicketPath(ticket!.Number, "/replies"), new { body = "My answer (matrix)" }),
            Act.TicketRateOwn => await api.PostAsJsonAsync(TicketPath(ticket!.Number, "/rating"), new { rating = 4, comment = "Fine (matrix)" }),
            Act.TicketNoteOwn => await api.PostAsJsonAsync(TicketPath(ticket!.Number, "/replies"), new { body = "A note (matrix)", @internal = true }),
            Act.TicketClaimOwn => await api.PostAsync(Rel(TicketPath(ticket!.Number, "/claim")), null),
            Act.TicketReadOther => await api.GetAsync(Rel(TicketPath(otherTicket))),
            Act.TicketReplyOther => await api.PostAsJsonAsync(TicketPath(otherTicket, "/replies"), new { body = "Let me in (matrix)" }),
            Act.TicketRateOther => await api.PostAsJsonAsync(TicketPath(otherTicket, "/rating"), new { rating = 1, comment = "bad (matrix)" }),
            Act.ModerateEdit => await api.PostAsJsonAsync($"/api/moderation/messages/{other.Id}/edit", new { body = "Edited by the matrix", reason = Reason }),
            Act.ModerateDelete => await api.PostAsJsonAsync($"/api/moderation/messages/{other.Id}/delete", new { reason = Reason }),
            Act.TimeoutUser => await api.PostAsJsonAsync("/api/moderation/sanctions", new { userId, kind = "timeout", roomSlug = General, minutes = 10, reason = Reason }),
            Act.BanFromRoom => await api.PostAsJsonAsync("/api/moderation/sanctions", new { userId, kind = "room-ban", roomSlug = General, minutes = 60, reason = Reason }),
            Act.BanFromCommunity => await api.PostAsJsonAsync("/api/moderation/sanctions", new { userId, kind = "community-ban", reason = Reason }),
            Act.LiftSanction => await api.PostAsJsonAsync($"/api/moderation/sanctions/{sanctionId}/lift", new { reason = Reason }),
            Act.GrantRole => await api.PostAsJsonAsync("/api/moderation/rights/grant", new { userId, role = CommunityRoles.TrustedMember, reason = Reason }),
            Act.RevokeRole => await api.PostAsJsonAsync("/api/moderation/rights/revoke", new { userId, role = CommunityRoles.TrustedMember, reason = Reason }),
            Act.SanctionsOfUser => await api.GetAsync(Rel($"/api/moderation/sanctions?userId={userId}")),
            Act.RightsOfUser => await api.GetAsync(Rel($"/api/moderation/rights/{userId}")),
            Act.AuditRead => await api.GetAsync(Rel("/api/moderation/audit")),
            Act.QueueRead => await api.GetAsync(Rel("/api/moderation/queue")),
            Act.QueueDismiss => await api.PostAsJsonAsync($"/api/moderation/queue/messages/{other.Id}/dismiss", new { reason = Reason }),
            Act.AutomodRead => await api.GetAsync(Rel("/api/moderation/automod")),
            Act.SlowMode => await api.PutAsJsonAsync($"/api/rooms/{General}/controls/slow-mode", new { seconds = 30, reason = Reason }),
            Act.Lock => await api.PutAsJsonAsync($"/api/rooms/{General}/controls/lock", new { message = "Locked by the matrix" }),
            Act.Unlock => await api.DeleteAsync(Rel($"/api/rooms/{General}/controls/lock")),
            Act.CoolDown => await api.PostAsJsonAsync($"/api/rooms/{General}/controls/cool-down", new { }),
            Act.Unpin => await api.DeleteAsync(Rel($"/api/rooms/{General}/controls/pin")),
            Act.SetRules => await api.PutAsJsonAsync($"/api/rooms/{General}/rules", new { markdown = "Rules by the matrix" }),
            Act.CannedList => await api.GetAsync(Rel("/api/canned-responses")),
            Act.CannedCreate => await api.PostAsJsonAsync("/api/canned-responses", new { shortcut = "matrix", title = "Matrix", body = "text", shared = false }),
            Act.CannedUpdate => await api.PutAsJsonAsync("/api/canned-responses/1", new { shortcut = "matrix", title = "Matrix", body = "text", shared = false }),
            Act.CannedDelete => await api.DeleteAsync(Rel("/api/canned-responses/1")),
            Act.WebhooksList => await api.GetAsync(Rel("/api/webhooks")),
            Act.WebhooksCreate => await api.PostAsJsonAsync("/api/webhooks", new { url = "https://example.com/matrix", events = WebhookEvents }),
            Act.WebhooksUpdate => await api.PatchAsJsonAsync("/api/webhooks/1", new { active = false }),
            Act.WebhooksDelete => await api.DeleteAsync(Rel("/api/webhooks/1")),
            Act.MySanctions => await api.GetAsync(Rel("/api/moderation/sanctions/mine")),
            Act.MyRights => await api.GetAsync(Rel("/api/moderation/rights/mine")),
            Act.Notifications => await api.GetAsync(Rel("/api/notifications")),
            _ => throw new ArgumentOutOfRangeException(nameof(act), act, null),
        };
        var status = response.StatusCode;
        if ((int)status is >= 200 and < 300)
        {
            return new Answer(Outcome.Allowed, "");
        }

        var outcome = status switch
        {
            HttpStatusCode.Unauthorized => Outcome.Unauthorized,
            HttpStatusCode.Forbidden => Outcome.Forbidden,
            HttpStatusCode.NotFound => Outcome.NotFound,
            _ => throw new Xunit.Sdk.XunitException($"Unexpected {(int)status}: {await response.Content.ReadAsStringAsync()}"),
        };
        var problem = await response.ReadProblemAsync(status);
        return new Answer(outcome, problem.Detail ?? "", JsonSerializer.Serialize(new { problem.Status, problem.Title, problem.Type }));
    }

    private static Uri Rel(string path) => new(path, UriKind.Relative);

    private static string TicketPath(int number, string? rest = null) =>
        string.Create(CultureInfo.InvariantCulture, $"/api/tickets/{number}{rest}");

    /// <summary>
    /// Everything a refused case must leave as it was (the refusal's own audit entry aside). Bell notifications are not
    /// counted: they are written after the fact from stored messages and ticket changes (both counted here), and the
    /// setup's own (an escalation, a solved ticket) land while a later case runs.
    /// </summary>
    private sealed record Snapshot(
        int Messages, int Deleted, int Edited, long BodyLength, int MessageEdits, int Reports, int Tickets, int TicketEntries, int Rated,
        int Sanctions, int LiftedSanctions, int Audit, int Rooms, string Controls, int UserRoles, int Canned, int Webhooks, int ReadStates,
        long ReadSequences, int RuleAcceptances, int Reactions, long ReactionSummaries);

    private async Task<Snapshot> SnapshotAsync()
    {
        await using var db = await Members.DbAsync(app);
        var controls = await db.Rooms.AsNoTracking().OrderBy(r => r.Id)
            .Select(r => new { r.SlowModeSeconds, Locked = r.LockedAt != null, r.PinnedSequence, r.RulesVersion }).ToListAsync();
        return new Snapshot(
            await db.Messages.CountAsync(),
            await db.Messages.CountAsync(m => m.DeletedAt != null),
            await db.Messages.CountAsync(m => m.EditedAt != null),
            await db.Messages.SumAsync(m => (long)m.Body.Length),
            await db.MessageEdits.CountAsync(),
            await db.Reports.CountAsync(),
            await db.Tickets.CountAsync(),
            await db.TicketEntries.CountAsync(),
            await db.Tickets.CountAsync(t => t.Rating != null),
            await db.Sanctions.CountAsync(),
            await db.Sanctions.CountAsync(s => s.RevokedAt != null),
            await db.AuditEntries.CountAsync(e => e.Action != AuditActions.AccessDenied),
            controls.Count,
            string.Join(";", controls.Select(c => $"{c.SlowModeSeconds},{c.Locked},{c.PinnedSequence},{c.RulesVersion}")),
            await db.UserRoles.CountAsync(),
            await db.CannedResponses.CountAsync(),
            await db.WebhookEndpoints.CountAsync(),
            await db.RoomReadStates.CountAsync(),
            await db.RoomReadStates.SumAsync(r => r.LastReadSequence),
            await db.RuleAcceptances.CountAsync(),
            await db.MessageReactions.CountAsync(),
            await db.Messages.SumAsync(m => (long)m.Reactions.Length));
    }
}
