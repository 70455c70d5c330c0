using System.Text.Json.Serialization;
using SupportCommunity.Notifications;
using SupportCommunity.Messages;
using SupportCommunity.Moderation;
using SupportCommunity.Presence;

namespace SupportCommunity.Events;

/// <summary>Something that happened in a room, published after it was committed.</summary>
[JsonPolymorphic(TypeDiscriminatorPropertyName = "type")]
[JsonDerivedType(typeof(MessagePosted), "posted")]
[JsonDerivedType(typeof(MessageChanged), "changed")]
[JsonDerivedType(typeof(PresenceChanged), "presence")]
[JsonDerivedType(typeof(UserTyping), "typing")]
[JsonDerivedType(typeof(CatchUpRequested), "catch-up")]
[JsonDerivedType(typeof(NotificationAdded), "notification")]
[JsonDerivedType(typeof(ReadMarked), "read")]
[JsonDerivedType(typeof(NotificationsRead), "notifications-read")]
[JsonDerivedType(typeof(SupportCommunity.Moderation.RoomSettingsChanged), "room-settings")]
[JsonDerivedType(typeof(SupportCommunity.Moderation.AutomodRulesChanged), "automod-rules")]
[JsonDerivedType(typeof(SupportCommunity.Moderation.ModerationQueueChanged), "moderation-queue")]
[JsonDerivedType(typeof(RightsChanged), "rights")]
[JsonDerivedType(typeof(SanctionChanged), "sanction")]
[JsonDerivedType(typeof(SupportCommunity.Tickets.TicketChanged), "ticket")]
[JsonDerivedType(typeof(SupportCommunity.Tickets.TicketEntryAdded), "ticket-entry")]
public abstract record RoomEvent(string RoomSlug)
{
    /// <summary>Set on arrival when the event was published on another node (never sent over the wire).</summary>
    [JsonIgnore]
    public bool FromOtherNode { get; init; }
}

/// <summary>
/// Events for one user rather than a room travel on the same bus under the user's own channel name, which no room
/// slug can take (slugs have no '@').
/// </summary>
public static class UserChannel
{
    public static string For(string userId) => "@user:" + userId;
}

/// <summary>A new entry in a user's bell, with their unread count after it.</summary>
public sealed record NotificationAdded(string UserId, NotificationDto Notification, int Unread) : RoomEvent(UserChannel.For(UserId));

/// <summary>A user read a room up to a point (in any tab, on any node), and their bell's unread count after it.</summary>
public sealed record ReadMarked(string UserId, string Room, long LastReadSequence, int UnreadNotifications) : RoomEvent(UserChannel.For(UserId));

public sealed record MessagePosted(MessageDto Message) : RoomEvent(Message.RoomSlug)
{
    /// <summary>
    /// Announced again because its author retried it: the node that stored it may have died before announcing it, or
    /// the first announcement may have reached everyone already. Listeners keep one copy, and do once what it calls for.
    /// </summary>
    public bool Again { get; init; }
}

/// <summary>An edit or a deletion: the message's new state.</summary>
public sealed record MessageChanged(MessageDto Message) : RoomEvent(Message.RoomSlug);

public sealed record PresenceChanged(string Room, RoomPresence Online) : RoomEvent(Room);

public sealed record UserTyping(string Room, PresenceUser User) : RoomEvent(Room);

/// <summary>
/// The live feed may have missed events (the link between nodes was down): every listener, whatever room it
/// follows, should catch up from the database.
/// </summary>
public sealed record CatchUpRequested() : RoomEvent(AllRooms)
{
    public const string AllRooms = "*";
}

/// <summary>A user marked bell entries read; their unread count after it.</summary>
public sealed record NotificationsRead(string UserId, int Unread) : RoomEvent(UserChannel.For(UserId));

/// <summary>A user's roles or moderated rooms changed: every node drops its cached rights for them (ActorDirectory).</summary>
public sealed record RightsChanged(string UserId) : RoomEvent(UserChannel.For(UserId));

/// <summary>
/// A sanction was applied to a user or lifted (<see cref="SanctionDto.Active"/> false): every node drops its cached
/// sanctions for them, tells their connections and, for a ban, takes them out of the room.
/// </summary>
public sealed record SanctionChanged(string UserId, SanctionDto Sanction) : RoomEvent(UserChannel.For(UserId));
