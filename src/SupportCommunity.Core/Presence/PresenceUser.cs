namespace SupportCommunity.Presence;

public sealed record PresenceUser(string Id, string Name, string Role);

/// <summary>Who is in a room: the count of distinct users, and up to a sample of them, staff first.</summary>
public sealed record RoomPresence(int Count, IReadOnlyList<PresenceUser> Users)
{
    public static readonly RoomPresence Empty = new(0, []);
}
