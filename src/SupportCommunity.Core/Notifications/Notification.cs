namespace SupportCommunity.Notifications;

/// <summary>Something a user should see in their bell: a mention, a private reply, or a reply in their thread.</summary>
public sealed class Notification
{
    public const int ExcerptLength = 200;

    public long Id { get; set; }

    public string UserId { get; set; } = "";

    public NotificationKind Kind { get; set; }

    public int RoomId { get; set; }

    /// <summary>Where it happened, as the user will open it.</summary>
    public string RoomSlug { get; set; } = "";

    public string RoomName { get; set; } = "";

    public long Sequence { get; set; }

    public string ActorName { get; set; } = "";

    public string Excerpt { get; set; } = "";

    public DateTimeOffset CreatedAt { get; set; }

    public DateTimeOffset? ReadAt { get; set; }
}

public enum NotificationKind
{
    Mention = 0,
    PrivateReply = 1,
    ThreadReply = 2,

    /// <summary>
    /// About a ticket of yours (escalated, replied to, solved; for agents: the requester replied). <c>RoomSlug</c> is
    /// <c>ticket:&lt;number&gt;</c>, <c>Sequence</c> the ticket's number, <c>RoomId</c> 0: no room's read mark touches it.
    /// </summary>
    Ticket = 3,
}

public sealed record NotificationDto(
    long Id,
    NotificationKind Kind,
    string RoomSlug,
    string RoomName,
    long Sequence,
    string ActorName,
    string Excerpt,
    DateTimeOffset CreatedAt,
    bool Read)
{
    public static NotificationDto From(Notification n) =>
        new(n.Id, n.Kind, n.RoomSlug, n.RoomName, n.Sequence, n.ActorName, n.Excerpt, n.CreatedAt, n.ReadAt is not null);
}

/// <summary>A page of the bell, newest first, and the user's unread count.</summary>
public sealed record NotificationPage(IReadOnlyList<NotificationDto> Items, bool HasMore, int Unread);
