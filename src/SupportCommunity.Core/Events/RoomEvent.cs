using SupportCommunity.Messages;
using SupportCommunity.Presence;

namespace SupportCommunity.Events;

/// <summary>Something that happened in a room, published after it was committed.</summary>
public abstract record RoomEvent(string RoomSlug);

public sealed record MessagePosted(MessageDto Message) : RoomEvent(Message.RoomSlug);

/// <summary>An edit or a deletion: the message's new state.</summary>
public sealed record MessageChanged(MessageDto Message) : RoomEvent(Message.RoomSlug);

public sealed record PresenceChanged(string Room, RoomPresence Online) : RoomEvent(Room);

public sealed record UserTyping(string Room, PresenceUser User) : RoomEvent(Room);
