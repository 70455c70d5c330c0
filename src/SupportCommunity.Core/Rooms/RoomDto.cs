namespace SupportCommunity.Rooms;

/// <summary>A room as clients see it. <see cref="Unread"/> is the caller's count of messages after their read mark.</summary>
public sealed record RoomDto(string Slug, string Name, string Topic, long LastSequence, long Unread);
