namespace SupportCommunity.Messages;

public sealed class Message
{
    public long Id { get; set; }

    public int RoomId { get; set; }

    /// <summary>Position in the room: 1, 2, 3... with no gaps, assigned in the sending transaction.</summary>
    public long Sequence { get; set; }

    /// <summary>The room revision of the message's latest change (creation, edit or deletion).</summary>
    public long Revision { get; set; }

    /// <summary>The room revision at creation: a client that saw this message saw every change up to here.</summary>
    public long CreatedRevision { get; set; }

    /// <summary>Chosen by the client; unique per author, so a retried send stores nothing new.</summary>
    public Guid ClientMessageId { get; set; }

    public string AuthorId { get; set; } = "";

    /// <summary>The author's display name when they wrote the message (ADR-0003).</summary>
    public string AuthorName { get; set; } = "";

    /// <summary>The role the author spoke with, so a staff answer stays marked as one (ADR-0003).</summary>
    public string AuthorRole { get; set; } = "";

    /// <summary>Normalised markdown source. Kept after deletion for the audit trail; never served once deleted.</summary>
    public string Body { get; set; } = "";

    /// <summary>The thread this message replies in: the sequence of the thread's first message (replies never nest).</summary>
    public long? ReplyToSequence { get; set; }

    /// <summary>On a thread's first message: how many replies it has.</summary>
    public int ReplyCount { get; set; }

    /// <summary>Staff opened a private conversation from this public message.</summary>
    public bool HelpedPrivately { get; set; }

    public DateTimeOffset CreatedAt { get; set; }

    public DateTimeOffset? EditedAt { get; set; }

    public DateTimeOffset? DeletedAt { get; set; }

    public string? DeletedById { get; set; }

    /// <summary>
    /// Who reacted with what, kept in step with the reaction rows in the same transaction (ADR-0014); empty for none.
    /// </summary>
    public string Reactions { get; set; } = "";

    /// <summary>Hidden by reports until a moderator looks at it; served without a body, like a deleted message.</summary>
    public DateTimeOffset? HiddenAt { get; set; }
}
