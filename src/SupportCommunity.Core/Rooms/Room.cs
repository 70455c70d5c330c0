namespace SupportCommunity.Rooms;

public sealed class Room
{
    public int Id { get; set; }

    /// <summary>The room's address in URLs and in the public contract, for example <c>general</c>.</summary>
    public string Slug { get; set; } = "";

    public string Name { get; set; } = "";

    public string Topic { get; set; } = "";

    public int SortOrder { get; set; }

    /// <summary>The sequence of the newest message: messages are numbered 1, 2, 3... with no gaps.</summary>
    public long LastSequence { get; set; }

    /// <summary>Counts every change in the room (send, edit, delete); catch-up returns what changed after a point.</summary>
    public long Revision { get; set; }

    public DateTimeOffset CreatedAt { get; set; }
}

/// <summary>A volunteer moderator's grant for one room.</summary>
public sealed class RoomModerator
{
    public int RoomId { get; set; }

    public string UserId { get; set; } = "";
}

/// <summary>How far a user has read in a room; unread = the room's last sequence minus this.</summary>
public sealed class RoomReadState
{
    public string UserId { get; set; } = "";

    public int RoomId { get; set; }

    public long LastReadSequence { get; set; }
}
