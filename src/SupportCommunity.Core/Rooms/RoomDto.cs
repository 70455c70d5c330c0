namespace SupportCommunity.Rooms;

/// <summary>
/// A room as clients see it. <see cref="Revision"/> counts every change in the room (send, edit, delete), so a client
/// that sees a message revision more than one past the last it knows has missed a change. <see cref="Unread"/> is the
/// caller's count of messages after their read mark.
/// </summary>
public sealed record RoomDto(string Slug, string Name, string Topic, long LastSequence, long Revision, long Unread);
