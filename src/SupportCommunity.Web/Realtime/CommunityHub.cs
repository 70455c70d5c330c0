using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.SignalR;
using SupportCommunity.Conversations;
using SupportCommunity.Identity;
using SupportCommunity.Messages;
using SupportCommunity.Moderation;
using SupportCommunity.Notifications;
using SupportCommunity.Presence;
using SupportCommunity.Rooms;

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
    ModerationQueueService moderation) : Hub<ICommunityClient>
{
    public const string Path = "/hubs/community";

    private const string JoinedRoomsKey = "joined-rooms";

    public async Task<JoinRoomResult> JoinRoom(string roomSlug, long afterSequence)
    {
        var actor = CurrentActor;
        // Refused, exactly like an unknown room, unless the caller may read it (private conversations, staff notes).
        _ = await rooms.GetAsync(actor, roomSlug ?? "", Context.ConnectionAborted);

        // Join the group before reading, so nothing sent in between is missed; clients drop what they already hold.
        var group = HubGroups.Room(roomSlug!);
        var newlyJoined = JoinedRooms.Add(roomSlug!);
        await Groups.AddToGroupAsync(Context.ConnectionId, group, Context.ConnectionAborted);

        RoomSnapshot snapshot;
        try
        {
            snapshot = await messages.CatchUpAsync(actor, roomSlug!, afterSequence, Context.ConnectionAborted);
        }
        catch when (newlyJoined)
        {
            // A refused join leaves the connection outside the room, as it was before.
            JoinedRooms.Remove(roomSlug!);
            await Groups.RemoveFromGroupAsync(Context.ConnectionId, group, CancellationToken.None);
            throw;
        }

        var online = await presence.EnterAsync(roomSlug!, Context.ConnectionId, ToPresenceUser(actor));
        return new JoinRoomResult(snapshot.Room, snapshot.Messages, snapshot.HasMore, snapshot.Reset, online);
    }

    public async Task LeaveRoom(string roomSlug)
    {
        if (roomSlug is null || !JoinedRooms.Remove(roomSlug))
        {
            return;
        }

        await Groups.RemoveFromGroupAsync(Context.ConnectionId, HubGroups.Room(roomSlug), Context.ConnectionAborted);
        await presence.LeaveAsync(roomSlug, Context.ConnectionId, CurrentActor.UserId);
    }

    public Task<MessageDto> SendMessage(string roomSlug, Guid clientMessageId, string body) =>
        messages.SendAsync(CurrentActor, roomSlug ?? "", clientMessageId, body, replyToSequence: null, Context.ConnectionAborted);

    /// <summary>Replies in the thread of message <paramref name="replyToSequence"/> (a reply to a reply joins its thread).</summary>
    public Task<MessageDto> SendReply(string roomSlug, Guid clientMessageId, string body, long replyToSequence) =>
        messages.SendAsync(CurrentActor, roomSlug ?? "", clientMessageId, body, replyToSequence, Context.ConnectionAborted);

    public Task<ThreadView> GetThread(string roomSlug, long sequence) =>
        messages.GetThreadAsync(CurrentActor, roomSlug ?? "", sequence, Context.ConnectionAborted);

    public Task<HistoryPage> GetHistory(string roomSlug, long? beforeSequence, int? limit) =>
        messages.GetHistoryAsync(CurrentActor, roomSlug ?? "", beforeSequence, limit, Context.ConnectionAborted);

    public Task<IReadOnlyList<MessageDto>> SearchMessages(string roomSlug, string query) =>
        messages.SearchAsync(CurrentActor, roomSlug ?? "", query, Context.ConnectionAborted);

    /// <summary>Staff: opens (or reuses) the private conversation with the author of a customer's public message.</summary>
    public Task<ConversationDto> ReplyPrivately(string roomSlug, long sequence) =>
        conversations.OpenAsync(CurrentActor, roomSlug ?? "", sequence, Context.ConnectionAborted);

    /// <summary>A customer's own private conversations; for staff, those they may help in.</summary>
    public Task<IReadOnlyList<ConversationDto>> ListConversations() =>
        conversations.ListAsync(CurrentActor, Context.ConnectionAborted);

    public Task<ConversationDto> GetConversation(string conversationSlug) =>
        conversations.GetAsync(CurrentActor, conversationSlug ?? "", Context.ConnectionAborted);

    /// <summary>Staff: posts a public summary under the question the conversation came from.</summary>
    public Task<MessageDto> PostPublicSummary(string conversationSlug, Guid clientMessageId, string body) =>
        conversations.PostSummaryAsync(CurrentActor, conversationSlug ?? "", clientMessageId, body, Context.ConnectionAborted);

    /// <summary>The customer: no public summary of this conversation, please (or, with false, it is fine again).</summary>
    public Task<ConversationDto> SetSummaryOptOut(string conversationSlug, bool optOut) =>
        conversations.SetSummaryOptOutAsync(CurrentActor, conversationSlug ?? "", optOut, Context.ConnectionAborted);

    /// <summary>Moves your read mark in a room forward; your other connections get <c>ReadStateChanged</c>.</summary>
    public Task MarkRead(string roomSlug, long sequence) =>
        rooms.MarkReadAsync(CurrentActor, roomSlug ?? "", sequence, Context.ConnectionAborted);

    public Task<NotificationPage> GetNotifications(long? beforeId) =>
        notifications.ListAsync(CurrentActor, beforeId, Context.ConnectionAborted);

    /// <summary>Marks one bell entry read, or all with null; returns the unread count.</summary>
    public Task<int> MarkNotificationsRead(long? notificationId) =>
        notifications.MarkReadAsync(CurrentActor, notificationId, Context.ConnectionAborted);

    /// <summary>The room's slow mode, lock, pinned notice and rules version (any reader).</summary>
    public Task<RoomControlsDto> GetRoomControls(string roomSlug) =>
        controls.GetControlsAsync(CurrentActor, roomSlug ?? "", Context.ConnectionAborted);

    /// <summary>Managers, admins, the room's moderators: slow mode, 0 (off) or 5 to 21,600 seconds.</summary>
    public Task<RoomControlsDto> SetSlowMode(string roomSlug, int seconds, string? reason) =>
        controls.SetSlowModeAsync(CurrentActor, roomSlug ?? "", seconds, reason, Context.ConnectionAborted);

    /// <summary>Managers, admins, the room's moderators: read-only for members, with a banner message.</summary>
    public Task<RoomControlsDto> LockRoom(string roomSlug, string? message) =>
        controls.LockAsync(CurrentActor, roomSlug ?? "", message, Context.ConnectionAborted);

    public Task<RoomControlsDto> UnlockRoom(string roomSlug) =>
        controls.UnlockAsync(CurrentActor, roomSlug ?? "", reason: null, Context.ConnectionAborted);

    /// <summary>Slow mode (default 30 s) and a pinned notice posted as the caller, in one action.</summary>
    public Task<RoomControlsDto> CoolDown(string roomSlug, int? seconds, string? notice) =>
        controls.CoolDownAsync(CurrentActor, roomSlug ?? "", seconds, notice, Context.ConnectionAborted);

    public Task<RoomControlsDto> UnpinNotice(string roomSlug) =>
        controls.UnpinAsync(CurrentActor, roomSlug ?? "", Context.ConnectionAborted);

    /// <summary>The room's rules and whether the caller has accepted this version (members must, before posting).</summary>
    public Task<RoomRulesDto> GetRoomRules(string roomSlug) =>
        controls.GetRulesAsync(CurrentActor, roomSlug ?? "", Context.ConnectionAborted);

    public Task<RoomRulesDto> AcceptRoomRules(string roomSlug, int version) =>
        controls.AcceptRulesAsync(CurrentActor, roomSlug ?? "", version, Context.ConnectionAborted);

    /// <summary>Managers, admins, the room's moderators: markdown rules (empty removes them); members accept them again.</summary>
    public Task<RoomRulesDto> SetRoomRules(string roomSlug, string? markdown) =>
        controls.SetRulesAsync(CurrentActor, roomSlug ?? "", markdown, Context.ConnectionAborted);

    public override async Task OnConnectedAsync()
    {
        await Groups.AddToGroupAsync(Context.ConnectionId, HubGroups.User(CurrentActor.UserId), Context.ConnectionAborted);
        if (ModerationQueueService.MaySee(CurrentActor))
        {
            await Groups.AddToGroupAsync(Context.ConnectionId, HubGroups.Moderators, Context.ConnectionAborted);
        }

        await base.OnConnectedAsync();
    }

    public Task<MessageDto> EditMessage(long messageId, string body) =>
        messages.EditAsync(CurrentActor, messageId, body, Context.ConnectionAborted);

    public Task<MessageDto> DeleteMessage(long messageId) =>
        messages.DeleteAsync(CurrentActor, messageId, Context.ConnectionAborted);

    // Reports and the moderation queue (docs/api.md, "Reports and the moderation queue"). The queue methods take the
    // reported message's id: reports are grouped per message.

    /// <summary>Reports a message you can read, with a reason (3 to 500 characters). A second report of yours stores nothing.</summary>
    public Task<ReportReceipt> ReportMessage(long messageId, string reason) =>
        moderation.ReportAsync(CurrentActor, messageId, reason, Context.ConnectionAborted);

    public Task<ModerationQueueView> GetModerationQueue() =>
        moderation.GetAsync(CurrentActor, Context.ConnectionAborted);

    public Task<ReportContext> GetReportContext(long messageId) =>
        moderation.GetContextAsync(CurrentActor, messageId, Context.ConnectionAborted);

    public Task ClaimReport(long messageId) =>
        moderation.ClaimAsync(CurrentActor, messageId, Context.ConnectionAborted);

    public Task<MessageDto> DismissReport(long messageId, string reason) =>
        moderation.DismissAsync(CurrentActor, messageId, reason, Context.ConnectionAborted);

    public Task<MessageDto> ResolveReportByDeleting(long messageId, string reason) =>
        moderation.DeleteAsync(CurrentActor, messageId, reason, Context.ConnectionAborted);

    public Task<MessageDto> ResolveReportByTimeout(long messageId, int minutes, string reason) =>
        moderation.TimeoutAuthorAsync(CurrentActor, messageId, minutes, reason, Context.ConnectionAborted);

    public Task<MessageDto> UnhideMessage(long messageId, string reason) =>
        moderation.UnhideAsync(CurrentActor, messageId, reason, Context.ConnectionAborted);

    public Task<MessageDto> ApproveHeld(long heldId) =>
        moderation.ApproveHeldAsync(CurrentActor, heldId, Context.ConnectionAborted);

    public Task RejectHeld(long heldId, string reason) =>
        moderation.RejectHeldAsync(CurrentActor, heldId, reason, Context.ConnectionAborted);

    public Task Typing(string roomSlug)
    {
        if (roomSlug is null || !JoinedRooms.Contains(roomSlug))
        {
            throw CommunityException.Invalid("Join the room before sending typing notices.");
        }

        return typing.SendAsync(CurrentActor, roomSlug);
    }

    public override async Task OnDisconnectedAsync(Exception? exception)
    {
        if (Actor.From(Context.User!) is { } actor)
        {
            await presence.LeaveAllAsync(Context.ConnectionId, actor.UserId);
        }

        await base.OnDisconnectedAsync(exception);
    }

    private Actor CurrentActor =>
        Actor.From(Context.User!) ?? throw CommunityException.Forbidden("Sign in to use the community.");

    private HashSet<string> JoinedRooms
    {
        get
        {
            if (Context.Items.TryGetValue(JoinedRoomsKey, out var value) && value is HashSet<string> joined)
            {
                return joined;
            }

            joined = new HashSet<string>(StringComparer.Ordinal);
            Context.Items[JoinedRoomsKey] = joined;
            return joined;
        }
    }

    private static PresenceUser ToPresenceUser(Actor actor) => new(actor.UserId, actor.DisplayName, actor.PrimaryRole);
}

/// <summary>
/// What <see cref="CommunityHub.JoinRoom"/> returns. <see cref="Reset"/>: the client missed too much to replay, so
/// this is the latest page and replaces what it holds.
/// </summary>
public sealed record JoinRoomResult(
    RoomDto Room, IReadOnlyList<MessageDto> Messages, bool HasMore, bool Reset, RoomPresence Online);
