using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.SignalR;
using SupportCommunity.Conversations;
using SupportCommunity.Identity;
using SupportCommunity.Messages;
using SupportCommunity.Moderation;
using SupportCommunity.Notifications;
using SupportCommunity.Presence;
using SupportCommunity.Rooms;
using SupportCommunity.Tickets;

namespace SupportCommunity.Web.Realtime;

/// <summary>
/// The public real-time contract (design.md §4, docs/api.md). Methods authorize and validate through the feature
/// services; pushes from outside the hub go through <see cref="CommunityNotifier"/>.
/// </summary>
[Authorize]
public sealed class CommunityHub(
    MessageService messages,
    RoomService rooms,
    ConversationService conversations,
    NotificationService notifications,
    PresenceTracker presence,
    TypingSignal typing,
    RoomControlService controls,
    ModerationQueueService moderation,
    ActorDirectory actors,
    HubConnections connections,
    RoomFanOut roomFanOut,
    SanctionService sanctions,
    GrantService grants,
    EscalationService escalation,
    TicketService tickets,
    TicketCollision collision) : Hub<ICommunityClient>
{
    public const string Path = "/hubs/community";

    public async Task<JoinRoomResult> JoinRoom(string roomSlug, long afterSequence)
    {
        var actor = await CurrentActorAsync();
        // Refused, exactly like an unknown room, unless the caller may read it (private conversations, staff notes).
        _ = await rooms.GetAsync(actor, roomSlug ?? "", Context.ConnectionAborted);

        // Join the room before reading, so nothing sent in between is missed; clients drop what they already hold.
        var newlyJoined = roomFanOut.Join(Context.ConnectionId, roomSlug!);

        RoomSnapshot snapshot;
        try
        {
            snapshot = await messages.CatchUpAsync(actor, roomSlug!, afterSequence, Context.ConnectionAborted);
        }
        catch when (newlyJoined)
        {
            // A refused join leaves the connection outside the room, as it was before.
            roomFanOut.Leave(Context.ConnectionId, roomSlug!);
            throw;
        }

        var online = await presence.EnterAsync(roomSlug!, Context.ConnectionId, ToPresenceUser(actor));
        return new JoinRoomResult(snapshot.Room, snapshot.Messages, snapshot.HasMore, snapshot.Reset, online);
    }

    public async Task LeaveRoom(string roomSlug)
    {
        if (roomSlug is null || !roomFanOut.Leave(Context.ConnectionId, roomSlug))
        {
            return;
        }

        await presence.LeaveAsync(roomSlug, Context.ConnectionId, (await CurrentActorAsync()).UserId);
    }

    public async Task<MessageDto> SendMessage(string roomSlug, Guid clientMessageId, string body) =>
        await messages.SendAsync(await CurrentActorAsync(), roomSlug ?? "", clientMessageId, body, replyToSequence: null, Context.ConnectionAborted);

    /// <summary>Replies in the thread of message <paramref name="replyToSequence"/> (a reply to a reply joins its thread).</summary>
    public async Task<MessageDto> SendReply(string roomSlug, Guid clientMessageId, string body, long replyToSequence) =>
        await messages.SendAsync(await CurrentActorAsync(), roomSlug ?? "", clientMessageId, body, replyToSequence, Context.ConnectionAborted);

    public async Task<ThreadView> GetThread(string roomSlug, long sequence) =>
        await messages.GetThreadAsync(await CurrentActorAsync(), roomSlug ?? "", sequence, Context.ConnectionAborted);

    public async Task<HistoryPage> GetHistory(string roomSlug, long? beforeSequence, int? limit) =>
        await messages.GetHistoryAsync(await CurrentActorAsync(), roomSlug ?? "", beforeSequence, limit, Context.ConnectionAborted);

    public async Task<IReadOnlyList<MessageDto>> SearchMessages(string roomSlug, string query) =>
        await messages.SearchAsync(await CurrentActorAsync(), roomSlug ?? "", query, Context.ConnectionAborted);

    /// <summary>Staff: opens (or reuses) the private conversation with the author of a customer's public message.</summary>
    public async Task<ConversationDto> ReplyPrivately(string roomSlug, long sequence) =>
        await conversations.OpenAsync(await CurrentActorAsync(), roomSlug ?? "", sequence, Context.ConnectionAborted);

    /// <summary>A customer's own private conversations; for staff, those they may help in.</summary>
    public async Task<IReadOnlyList<ConversationDto>> ListConversations() =>
        await conversations.ListAsync(await CurrentActorAsync(), Context.ConnectionAborted);

    public async Task<ConversationDto> GetConversation(string conversationSlug) =>
        await conversations.GetAsync(await CurrentActorAsync(), conversationSlug ?? "", Context.ConnectionAborted);

    /// <summary>Staff: posts a public summary under the question the conversation came from.</summary>
    public async Task<MessageDto> PostPublicSummary(string conversationSlug, Guid clientMessageId, string body) =>
        await conversations.PostSummaryAsync(await CurrentActorAsync(), conversationSlug ?? "", clientMessageId, body, Context.ConnectionAborted);

    /// <summary>The customer: no public summary of this conversation, please (or, with false, it is fine again).</summary>
    public async Task<ConversationDto> SetSummaryOptOut(string conversationSlug, bool optOut) =>
        await conversations.SetSummaryOptOutAsync(await CurrentActorAsync(), conversationSlug ?? "", optOut, Context.ConnectionAborted);

    /// <summary>Moves your read mark in a room forward; your other connections get <c>ReadStateChanged</c>.</summary>
    public async Task MarkRead(string roomSlug, long sequence) =>
        await rooms.MarkReadAsync(await CurrentActorAsync(), roomSlug ?? "", sequence, Context.ConnectionAborted);

    public async Task<NotificationPage> GetNotifications(long? beforeId) =>
        await notifications.ListAsync(await CurrentActorAsync(), beforeId, Context.ConnectionAborted);

    /// <summary>Marks one bell entry read, or all with null; returns the unread count.</summary>
    public async Task<int> MarkNotificationsRead(long? notificationId) =>
        await notifications.MarkReadAsync(await CurrentActorAsync(), notificationId, Context.ConnectionAborted);

    /// <summary>The room's slow mode, lock, pinned notice and rules version (any reader).</summary>
    public async Task<RoomControlsDto> GetRoomControls(string roomSlug) =>
        await controls.GetControlsAsync(await CurrentActorAsync(), roomSlug ?? "", Context.ConnectionAborted);

    /// <summary>Managers, admins, the room's moderators: slow mode, 0 (off) or 5 to 21,600 seconds.</summary>
    public async Task<RoomControlsDto> SetSlowMode(string roomSlug, int seconds, string? reason) =>
        await controls.SetSlowModeAsync(await CurrentActorAsync(), roomSlug ?? "", seconds, reason, Context.ConnectionAborted);

    /// <summary>Managers, admins, the room's moderators: read-only for members, with a banner message.</summary>
    public async Task<RoomControlsDto> LockRoom(string roomSlug, string? message) =>
        await controls.LockAsync(await CurrentActorAsync(), roomSlug ?? "", message, Context.ConnectionAborted);

    public async Task<RoomControlsDto> UnlockRoom(string roomSlug) =>
        await controls.UnlockAsync(await CurrentActorAsync(), roomSlug ?? "", reason: null, Context.ConnectionAborted);

    /// <summary>Slow mode (default 30 s) and a pinned notice posted as the caller, in one action.</summary>
    public async Task<RoomControlsDto> CoolDown(string roomSlug, int? seconds, string? notice) =>
        await controls.CoolDownAsync(await CurrentActorAsync(), roomSlug ?? "", seconds, notice, Context.ConnectionAborted);

    public async Task<RoomControlsDto> UnpinNotice(string roomSlug) =>
        await controls.UnpinAsync(await CurrentActorAsync(), roomSlug ?? "", Context.ConnectionAborted);

    /// <summary>The room's rules and whether the caller has accepted this version (members must, before posting).</summary>
    public async Task<RoomRulesDto> GetRoomRules(string roomSlug) =>
        await controls.GetRulesAsync(await CurrentActorAsync(), roomSlug ?? "", Context.ConnectionAborted);

    public async Task<RoomRulesDto> AcceptRoomRules(string roomSlug, int version) =>
        await controls.AcceptRulesAsync(await CurrentActorAsync(), roomSlug ?? "", version, Context.ConnectionAborted);

    /// <summary>Managers, admins, the room's moderators: markdown rules (empty removes them); members accept them again.</summary>
    public async Task<RoomRulesDto> SetRoomRules(string roomSlug, string? markdown) =>
        await controls.SetRulesAsync(await CurrentActorAsync(), roomSlug ?? "", markdown, Context.ConnectionAborted);

    public override async Task OnConnectedAsync()
    {
        var actor = await CurrentActorAsync();
        // A community ban outlives reconnects: the connection is refused with the ban's reason and time left.
        try
        {
            await sanctions.EnsureMayConnectAsync(actor.UserId, Context.ConnectionAborted);
        }
        catch (CommunityException refusal)
        {
            // Hub filters see method calls only; the close message carries a HubException's text to the client.
            throw new HubException(refusal.Message);
        }

        connections.Add(actor.UserId, Context);
        await Groups.AddToGroupAsync(Context.ConnectionId, HubGroups.User(actor.UserId), Context.ConnectionAborted);
        if (ModerationQueueService.MaySee(actor))
        {
            await Groups.AddToGroupAsync(Context.ConnectionId, HubGroups.Moderators, Context.ConnectionAborted);
        }

        if (TicketRules.WorksDesk(actor))
        {
            await Groups.AddToGroupAsync(Context.ConnectionId, HubGroups.Desk, Context.ConnectionAborted);
        }

        await base.OnConnectedAsync();
    }

    public async Task<MessageDto> EditMessage(long messageId, string body) =>
        await messages.EditAsync(await CurrentActorAsync(), messageId, body, Context.ConnectionAborted);

    public async Task<MessageDto> DeleteMessage(long messageId) =>
        await messages.DeleteAsync(await CurrentActorAsync(), messageId, Context.ConnectionAborted);

    /// <summary>Adds or removes your reaction (one of the allowlisted emoji); everyone gets MessageChanged.</summary>
    public async Task<MessageDto> ToggleReaction(long messageId, string emoji) =>
        await messages.ToggleReactionAsync(await CurrentActorAsync(), messageId, emoji, on: null, Context.ConnectionAborted);

    // Reports and the moderation queue (docs/api.md, "Reports and the moderation queue"). The queue methods take the
    // reported message's id: reports are grouped per message.

    /// <summary>Reports a message you can read, with a reason (3 to 500 characters). A second report of yours stores nothing.</summary>
    public async Task<ReportReceipt> ReportMessage(long messageId, string reason) =>
        await moderation.ReportAsync(await CurrentActorAsync(), messageId, reason, Context.ConnectionAborted);

    public async Task<ModerationQueueView> GetModerationQueue() =>
        await moderation.GetAsync(await CurrentActorAsync(), Context.ConnectionAborted);

    public async Task<ReportContext> GetReportContext(long messageId) =>
        await moderation.GetContextAsync(await CurrentActorAsync(), messageId, Context.ConnectionAborted);

    public async Task ClaimReport(long messageId) =>
        await moderation.ClaimAsync(await CurrentActorAsync(), messageId, Context.ConnectionAborted);

    public async Task<MessageDto> DismissReport(long messageId, string reason) =>
        await moderation.DismissAsync(await CurrentActorAsync(), messageId, reason, Context.ConnectionAborted);

    public async Task<MessageDto> ResolveReportByDeleting(long messageId, string reason) =>
        await moderation.DeleteAsync(await CurrentActorAsync(), messageId, reason, Context.ConnectionAborted);

    public async Task<MessageDto> ResolveReportByTimeout(long messageId, int minutes, string reason) =>
        await moderation.TimeoutAuthorAsync(await CurrentActorAsync(), messageId, minutes, reason, Context.ConnectionAborted);

    public async Task<MessageDto> UnhideMessage(long messageId, string reason) =>
        await moderation.UnhideAsync(await CurrentActorAsync(), messageId, reason, Context.ConnectionAborted);

    public async Task<MessageDto> ApproveHeld(long heldId) =>
        await moderation.ApproveHeldAsync(await CurrentActorAsync(), heldId, Context.ConnectionAborted);

    public async Task RejectHeld(long heldId, string reason) =>
        await moderation.RejectHeldAsync(await CurrentActorAsync(), heldId, reason, Context.ConnectionAborted);

        // Moderation (docs/api.md, "Moderation: rights, sanctions, audit"). Every method authorizes in the service.

    /// <summary>A moderator's edit of someone's message, with a reason (audited with the text before and after).</summary>
    public async Task<MessageDto> ModerateEditMessage(long messageId, string body, string reason) =>
        await messages.ModerateEditAsync(await CurrentActorAsync(), messageId, body, reason, Context.ConnectionAborted);

    /// <summary>A moderator's deletion, with a reason; members see "Removed by a moderator".</summary>
    public async Task<MessageDto> ModerateDeleteMessage(long messageId, string reason) =>
        await messages.ModerateDeleteAsync(await CurrentActorAsync(), messageId, reason, Context.ConnectionAborted);

    /// <summary>Stops a member posting anywhere for 1 to 40,320 minutes (28 days). Moderators name a room they moderate.</summary>
    public async Task<SanctionDto> TimeoutUser(string userId, int minutes, string reason, string? roomSlug) =>
        await sanctions.TimeoutAsync(await CurrentActorAsync(), userId ?? "", TimeSpan.FromMinutes(minutes), reason, roomSlug, Context.ConnectionAborted);

    /// <summary>Bans a member from a room, for <paramref name="minutes"/> or (null) until lifted.</summary>
    public async Task<SanctionDto> BanFromRoom(string userId, string roomSlug, int? minutes, string reason) =>
        await sanctions.BanFromRoomAsync(await CurrentActorAsync(), userId ?? "", roomSlug ?? "", Minutes(minutes), reason, Context.ConnectionAborted);

    /// <summary>Managers and admins: bans a member from the community, for <paramref name="minutes"/> or (null) until lifted.</summary>
    public async Task<SanctionDto> BanFromCommunity(string userId, int? minutes, string reason) =>
        await sanctions.BanFromCommunityAsync(await CurrentActorAsync(), userId ?? "", Minutes(minutes), reason, Context.ConnectionAborted);

    /// <summary>Unmute or unban.</summary>
    public async Task<SanctionDto> LiftSanction(long sanctionId, string reason) =>
        await sanctions.LiftAsync(await CurrentActorAsync(), sanctionId, reason, Context.ConnectionAborted);

    /// <summary>Your sanctions in force now (a timed-out composer shows the time left).</summary>
    public async Task<IReadOnlyList<SanctionDto>> GetMySanctions() =>
        await sanctions.GetMineAsync(await CurrentActorAsync(), Context.ConnectionAborted);

    /// <summary>Moderators: a member's sanctions, newest first.</summary>
    public async Task<IReadOnlyList<SanctionDto>> GetSanctions(string userId) =>
        await sanctions.ListForUserAsync(await CurrentActorAsync(), userId ?? "", Context.ConnectionAborted);

    /// <summary>Your roles and moderated rooms as they are now (after a <c>RightsChanged</c> event).</summary>
    public async Task<MemberRightsDto> GetMyRights() =>
        await grants.GetMineAsync(await CurrentActorAsync(), Context.ConnectionAborted);

    /// <summary>Grants a role; for VolunteerModerator, <paramref name="roomSlugs"/> names the rooms.</summary>
    public async Task<MemberRightsDto> GrantRole(string userId, string role, string[]? roomSlugs, string reason) =>
        await grants.GrantAsync(await CurrentActorAsync(), userId ?? "", role ?? "", roomSlugs, reason, Context.ConnectionAborted);

    /// <summary>Revokes a role; for VolunteerModerator with <paramref name="roomSlugs"/>, only those rooms.</summary>
    public async Task<MemberRightsDto> RevokeRole(string userId, string role, string[]? roomSlugs, string reason) =>
        await grants.RevokeAsync(await CurrentActorAsync(), userId ?? "", role ?? "", roomSlugs, reason, Context.ConnectionAborted);

    // Tickets (docs/api.md, "Tickets"). Every method authorizes in the service; a ticket the caller may not see is
    // answered exactly like one that does not exist.

    /// <summary>Staff who help in the room: opens a ticket from a thread or a private conversation (or returns its open one).</summary>
    public async Task<EscalationResult> EscalateToTicket(EscalateRequest request) =>
        await escalation.EscalateAsync(await CurrentActorAsync(), request, Context.ConnectionAborted);

    /// <summary>The ticket's page: the requester's view (no internal notes) or the desk's.</summary>
    public async Task<TicketDto> GetTicket(int number) =>
        await tickets.GetAsync(await CurrentActorAsync(), number, Context.ConnectionAborted);

    /// <summary>Your own tickets, newest first.</summary>
    public async Task<TicketPage> ListMyTickets(string? cursor) =>
        await tickets.ListMineAsync(await CurrentActorAsync(), cursor, limit: null, Context.ConnectionAborted);

    /// <summary>The desk (agents, managers, admins): filtered, sorted, keyset-paged.</summary>
    public async Task<TicketPage> ListDeskTickets(TicketQuery query) =>
        await tickets.ListDeskAsync(await CurrentActorAsync(), query, Context.ConnectionAborted);

    /// <summary>A public reply (staff, or the requester), or with <paramref name="internalNote"/> a note for staff only.</summary>
    public async Task<TicketReplyResult> ReplyToTicket(int number, string body, bool internalNote, Guid? clientEntryId) =>
        await tickets.ReplyAsync(await CurrentActorAsync(), number, body, internalNote, clientEntryId, Context.ConnectionAborted);

    public async Task<TicketDto> ClaimTicket(int number) =>
        await tickets.ClaimAsync(await CurrentActorAsync(), number, Context.ConnectionAborted);

    /// <summary>Status, priority, assignee, queue, category; a stale expected version is refused and nothing is saved.</summary>
    public async Task<TicketDto> UpdateTicket(int number, TicketChange change) =>
        await tickets.UpdateAsync(await CurrentActorAsync(), number, change, Context.ConnectionAborted);

    /// <summary>The requester, once solved: 1 to 5 and an optional comment (may be changed).</summary>
    public async Task<TicketDto> RateTicket(int number, int rating, string? comment) =>
        await tickets.RateAsync(await CurrentActorAsync(), number, rating, comment, Context.ConnectionAborted);

    /// <summary>Desk: "I'm viewing this ticket"; returns who else is. Events: PresenceChanged / UserTyping with room "ticket:&lt;n&gt;".</summary>
    public async Task<RoomPresence> WatchTicket(int number)
    {
        var actor = await CurrentActorAsync();
        var online = await collision.EnterAsync(actor, number, Context.ConnectionId, Context.ConnectionAborted);
        roomFanOut.Join(Context.ConnectionId, TicketChannels.Ticket(number));
        return online;
    }

    public async Task UnwatchTicket(int number)
    {
        roomFanOut.Leave(Context.ConnectionId, TicketChannels.Ticket(number));
        await collision.LeaveAsync(await CurrentActorAsync(), number, Context.ConnectionId);
    }

    /// <summary>Desk: "I'm typing on this ticket" (relayed at most every 2 s).</summary>
    public async Task TypingOnTicket(int number) =>
        await collision.TypingAsync(await CurrentActorAsync(), number, Context.ConnectionAborted);

    private static TimeSpan? Minutes(int? minutes) => minutes is { } m ? TimeSpan.FromMinutes(m) : null;

    public async Task Typing(string roomSlug)
    {
        if (roomSlug is null || !roomFanOut.IsIn(Context.ConnectionId, roomSlug))
        {
            throw CommunityException.Invalid("Join the room before sending typing notices.");
        }

        var actor = await CurrentActorAsync();
        // A member banned from the room since joining is refused here too (cached: no query).
        _ = await rooms.GetAsync(actor, roomSlug, Context.ConnectionAborted);
        await typing.SendInRoomAsync(actor, roomSlug, Context.ConnectionAborted);
    }

    public override async Task OnDisconnectedAsync(Exception? exception)
    {
        if (Actor.From(Context.User!) is { } actor)
        {
            connections.Remove(actor.UserId, Context.ConnectionId);
            await presence.LeaveAllAsync(Context.ConnectionId, actor.UserId);
        }

        await base.OnDisconnectedAsync(exception);
    }

    /// <summary>The caller as they are now: roles and moderated rooms re-read, not the token's (ADR-0008).</summary>
    private async ValueTask<Actor> CurrentActorAsync() =>
        await actors.GetAsync(Context.User!, Context.ConnectionAborted) ?? throw CommunityException.Forbidden("Sign in to use the community.");

    private static PresenceUser ToPresenceUser(Actor actor) => new(actor.UserId, actor.DisplayName, actor.PrimaryRole);
}

/// <summary>
/// What <see cref="CommunityHub.JoinRoom"/> returns. <see cref="Reset"/>: the client missed too much to replay, so
/// this is the latest page and replaces what it holds.
/// </summary>
public sealed record JoinRoomResult(
    RoomDto Room, IReadOnlyList<MessageDto> Messages, bool HasMore, bool Reset, RoomPresence Online);
