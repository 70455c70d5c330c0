using SupportCommunity.Notifications;
using SupportCommunity.Messages;
using SupportCommunity.Moderation;
using SupportCommunity.Presence;
using SupportCommunity.Tickets;

namespace SupportCommunity.Web.Realtime;

/// <summary>The events the community hub sends to its clients (design.md §4).</summary>
public interface ICommunityClient
{
    Task MessageReceived(MessageDto message);

    /// <summary>
    /// A message announced again because its author retried it: the node that stored it may have died before
    /// announcing it. Merge it by sequence like <see cref="MessageReceived"/>; it is often one you already hold.
    /// </summary>
    Task MessageAnnouncedAgain(MessageDto message);

    /// <summary>An edit or a deletion: the message's new state. A deleted message has <c>deleted: true</c> and no body.</summary>
    Task MessageUpdated(MessageDto message);

    Task PresenceChanged(string roomSlug, RoomPresence online);

    Task UserTyping(string roomSlug, PresenceUser user);

    /// <summary>
    /// The server may have missed sending you events (the link between its nodes was down): call
    /// <c>JoinRoom</c> again for each room you are in, with the last sequence you hold.
    /// </summary>
    Task Resync();

    /// <summary>A new entry in your bell (a mention, a private reply, a reply in your thread), and your unread count.</summary>
    Task NotificationReceived(NotificationDto notification, int unread);

    /// <summary>You read a room up to a sequence, in this or another tab or device; and your bell's unread count.</summary>
    Task ReadStateChanged(string roomSlug, long lastReadSequence, int unreadNotifications);

    /// <summary>You marked bell entries read elsewhere: your unread count.</summary>
    Task NotificationsRead(int unread);

    /// <summary>
    /// A room's slow mode, lock, pinned notice or rules changed (a changed <c>rulesVersion</c>: call
    /// <c>GetRoomRules</c> again, members must accept them before posting).
    /// </summary>
    Task RoomSettingsChanged(string roomSlug, RoomControlsDto controls);
    /// Staff and volunteer moderators: the moderation queue of a room changed (a report, a held send, a resolution).
    /// Call <c>GetModerationQueue</c> for what is in your scope.
    /// </summary>
    Task ModerationQueueChanged(string roomSlug);
    /// A sanction on you was applied (<c>active: true</c>) or lifted (<c>active: false</c>). A room ban has already
    /// taken this connection out of the room; a community ban closes it next.
    /// </summary>
    Task Sanctioned(SanctionDto sanction);

    /// <summary>Your roles or moderated rooms changed: call <c>GetMyRights</c> to see them (the server already applies them).</summary>
    Task RightsChanged();

    /// <summary>
    /// A ticket changed or was created. Agents, managers and admins (the <c>desk</c> group) get every ticket; a customer
    /// gets their own tickets in the requester's view (no SLA clocks, queue or category).
    /// </summary>
    Task TicketChanged(TicketSummaryDto ticket);

    /// <summary>A timeline entry on a ticket. Customers get public entries of their own tickets only, never internal notes.</summary>
    Task TicketEntryAdded(int ticketNumber, TicketEntryDto entry);
}
