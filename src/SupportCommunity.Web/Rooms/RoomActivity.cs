using SupportCommunity.Presence;
using SupportCommunity.Rooms;

namespace SupportCommunity.Web.Rooms;

/// <summary>What a room view's header shows: the room, who is in it, and who is typing (not the viewer).</summary>
public sealed record RoomActivity(RoomDto Room, RoomPresence Online, IReadOnlyList<PresenceUser> Typing);
