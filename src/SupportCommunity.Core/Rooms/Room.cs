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

    public RoomKind Kind { get; set; }

    /// <summary>A private conversation's customer: the only non-staff member who may read it.</summary>
    public string? CustomerId { get; set; }

    /// <summary>A private conversation's public question: the room and the message it came from.</summary>
    public int? SourceRoomId { get; set; }

    public long? SourceSequence { get; set; }

    /// <summary>A staff-notes room's conversation.</summary>
    public int? ParentRoomId { get; set; }

    /// <summary>The staff member who opened a private conversation.</summary>
    public string? OpenedById { get; set; }

    /// <summary>The customer asked that no public summary of their private conversation be posted.</summary>
    public bool SummaryOptOut { get; set; }

    /// <summary>Slow mode: a member waits this long between messages (0: off). Staff are exempt.</summary>
    public int SlowModeSeconds { get; set; }

    /// <summary>Locked rooms are read-only for members, with <see cref="LockMessage"/> as a banner.</summary>
    public DateTimeOffset? LockedAt { get; set; }

    public string? LockMessage { get; set; }

    /// <summary>Markdown rules shown on first join; a member accepts them before posting.</summary>
    public string? Rules { get; set; }

    /// <summary>Raised on every change of <see cref="Rules"/>, so members accept them again.</summary>
    public int RulesVersion { get; set; }

    /// <summary>A notice pinned at the top of the room (for example by a cool-down).</summary>
    public long? PinnedSequence { get; set; }
}

/// <summary>
/// Every conversation is a room, so it gets the same sequence, catch-up and idempotency. What differs is who may
/// read it (<see cref="RoomAccess"/>).
/// </summary>
public enum RoomKind
{
    /// <summary>Open to every signed-in member.</summary>
    Public = 0,

    /// <summary>One customer and the staff who may help privately (ADR-0007).</summary>
    Private = 1,

    /// <summary>Staff-only notes beside a private conversation; customers never reach it by any path.</summary>
    StaffNotes = 2,
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
