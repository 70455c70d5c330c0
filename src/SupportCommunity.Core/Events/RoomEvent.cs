using System.Text.Json.Serialization;
using SupportCommunity.Messages;
using SupportCommunity.Presence;

namespace SupportCommunity.Events;

/// <summary>Something that happened in a room, published after it was committed.</summary>
[JsonPolymorphic(TypeDiscriminatorPropertyName = "type")]
[JsonDerivedType(typeof(MessagePosted), "posted")]
[JsonDerivedType(typeof(MessageChanged), "changed")]
[JsonDerivedType(typeof(PresenceChanged), "presence")]
[JsonDerivedType(typeof(UserTyping), "typing")]
[JsonDerivedType(typeof(CatchUpRequested), "catch-up")]
public abstract record RoomEvent(string RoomSlug);

public sealed record MessagePosted(MessageDto Message) : RoomEvent(Message.RoomSlug);

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
