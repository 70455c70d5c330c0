using System.Text.Json.Serialization;

namespace SupportCommunity.Tickets;

/// <summary>
/// A customer's problem escalated from the community to support agents: a transcript of the chat it came from
/// (<see cref="TicketTranscriptLine"/>), a timeline of replies, notes and changes (<see cref="TicketEntry"/>), and SLA
/// clocks. Shown to people as <c>#Number</c>.
/// </summary>
public sealed class Ticket
{
    public long Id { get; set; }

    /// <summary>1, 2, 3…: what people call the ticket ("#123"). Unique; assigned when the ticket is created.</summary>
    public int Number { get; set; }

    /// <summary>The customer the ticket is for, and their name when it was opened.</summary>
    public string RequesterId { get; set; } = "";

    public string RequesterName { get; set; } = "";

    public string Subject { get; set; } = "";

    public TicketStatus Status { get; set; }

    public TicketPriority Priority { get; set; }

    /// <summary>Free text chosen at escalation ("refund", "bug"…); may be empty.</summary>
    public string Category { get; set; } = "";

    /// <summary>Which desk queue works it, e.g. <c>general</c> or <c>billing</c> (see <see cref="TicketOptions.Queues"/>).</summary>
    public string Queue { get; set; } = "";

    public string? AssigneeId { get; set; }

    public string? AssigneeName { get; set; }

    public TicketSourceKind SourceKind { get; set; }

    /// <summary>The room the ticket was escalated from: a public room (thread) or a private conversation.</summary>
    public int SourceRoomId { get; set; }

    public string SourceRoomSlug { get; set; } = "";

    public string SourceRoomName { get; set; } = "";

    /// <summary>The message escalated from (for a thread: the message picked; for a conversation: its newest included one).</summary>
    public long? SourceSequence { get; set; }

    /// <summary>For a thread: the sequence of its first message.</summary>
    public long? ThreadRootSequence { get; set; }

    /// <summary>What double escalation compares: the same thread of a room, or the same conversation.</summary>
    public string SourceKey { get; set; } = "";

    /// <summary>
    /// <see cref="SourceKey"/> while this ticket is the one a new escalation of that source returns; null for forced
    /// tickets and once solved or closed. A unique index on it makes two concurrent escalations produce one ticket.
    /// </summary>
    public string? DedupeKey { get; set; }

    public string CreatedById { get; set; } = "";

    public string CreatedByName { get; set; } = "";

    public DateTimeOffset CreatedAt { get; set; }

    public DateTimeOffset UpdatedAt { get; set; }

    public DateTimeOffset FirstResponseDueAt { get; set; }

    public DateTimeOffset ResolutionDueAt { get; set; }

    /// <summary>The first public reply by staff.</summary>
    public DateTimeOffset? FirstRespondedAt { get; set; }

    /// <summary>The latest move to Solved (cleared when the ticket is reopened).</summary>
    public DateTimeOffset? SolvedAt { get; set; }

    /// <summary>
    /// The due time of the SLA clock that runs out first, in Unix milliseconds, or <see cref="long.MaxValue"/> when no
    /// clock runs (answered and solved, or closed). Kept as a number so the desk can sort and filter on it in SQL on
    /// every provider (SQLite cannot compare <see cref="DateTimeOffset"/> values).
    /// </summary>
    public long SlaDueKey { get; set; } = long.MaxValue;

    /// <summary>The requester's satisfaction, 1 to 5, once solved; they may change it.</summary>
    public int? Rating { get; set; }

    public string? RatingComment { get; set; }

    public DateTimeOffset? RatedAt { get; set; }

    /// <summary>
    /// Optimistic concurrency (ADR-0011): raised by one on every save; an update whose stored version is no longer
    /// the one read fails instead of overwriting another agent's change.
    /// </summary>
    public int Version { get; set; }

    /// <summary>
    /// The requester's own version and "updated" time: raised by every change but an internal note, so nothing the
    /// customer reads (not even a version jump or a fresher time) tells them staff wrote one.
    /// </summary>
    public int RequesterVersion { get; set; }

    public DateTimeOffset RequesterUpdatedAt { get; set; }
}

/// <summary>A snapshot of one message included in a ticket: stays readable whatever later happens to the message.</summary>
public sealed class TicketTranscriptLine
{
    public long Id { get; set; }

    public long TicketId { get; set; }

    /// <summary>The message's sequence in the source room.</summary>
    public long Sequence { get; set; }

    public long? ReplyToSequence { get; set; }

    public string AuthorId { get; set; } = "";

    public string AuthorName { get; set; } = "";

    public string AuthorRole { get; set; } = "";

    public string Body { get; set; } = "";

    public DateTimeOffset CreatedAt { get; set; }

    /// <summary>When the message had been edited before it was copied.</summary>
    public DateTimeOffset? EditedAt { get; set; }
}

/// <summary>One item of a ticket's timeline: a reply, an internal note, or a change.</summary>
public sealed class TicketEntry
{
    public long Id { get; set; }

    public long TicketId { get; set; }

    public TicketEntryKind Kind { get; set; }

    public string AuthorId { get; set; } = "";

    public string AuthorName { get; set; } = "";

    public string AuthorRole { get; set; } = "";

    /// <summary>The text of a reply or note (normalised markdown); the comment of a rating; null for changes.</summary>
    public string? Body { get; set; }

    /// <summary>For changes: the value before and after (a status, a priority, an assignee's name, a rating).</summary>
    public string? From { get; set; }

    public string? To { get; set; }

    /// <summary>Chosen by the client for a reply or note; a retry with the same id stores nothing new.</summary>
    public Guid? ClientEntryId { get; set; }

    public DateTimeOffset At { get; set; }
}

[JsonConverter(typeof(JsonStringEnumConverter<TicketStatus>))]
public enum TicketStatus
{
    New = 0,
    Open = 1,
    PendingOnCustomer = 2,
    OnHold = 3,
    Solved = 4,
    Closed = 5,
}

[JsonConverter(typeof(JsonStringEnumConverter<TicketPriority>))]
public enum TicketPriority
{
    Low = 0,
    Normal = 1,
    High = 2,
    Urgent = 3,
}

[JsonConverter(typeof(JsonStringEnumConverter<TicketSourceKind>))]
public enum TicketSourceKind
{
    /// <summary>A thread of a public room (a message escalates with its thread).</summary>
    Thread = 0,

    /// <summary>A private conversation.</summary>
    Conversation = 1,
}

[JsonConverter(typeof(JsonStringEnumConverter<TicketEntryKind>))]
public enum TicketEntryKind
{
    /// <summary>The ticket was opened from the community (customers see it).</summary>
    Escalation = 0,

    /// <summary>A reply the customer reads: from staff or from the customer.</summary>
    PublicReply = 1,

    /// <summary>Staff only: never sent to the customer by any path.</summary>
    InternalNote = 2,

    /// <summary>From → To: statuses (customers see it).</summary>
    StatusChange = 3,

    /// <summary>From → To: priorities (staff only).</summary>
    PriorityChange = 4,

    /// <summary>From → To: assignees' names, empty for nobody (staff only).</summary>
    Assignment = 5,

    /// <summary>To: the rating 1 to 5; Body: the comment (customers see it).</summary>
    Rating = 6,
}

public static class TicketEntryKinds
{
    /// <summary>True for what the requester may see; everything else is for staff only.</summary>
    public static bool IsPublic(this TicketEntryKind kind) =>
        kind is TicketEntryKind.Escalation or TicketEntryKind.PublicReply or TicketEntryKind.StatusChange or TicketEntryKind.Rating;
}

public static class TicketStatuses
{
    /// <summary>Solved and Closed: the resolution clock stopped.</summary>
    public static bool IsResolved(this TicketStatus status) => status is TicketStatus.Solved or TicketStatus.Closed;
}

/// <summary>Audit action codes of the desk (AuditLog; the audit view filters on them).</summary>
public static class TicketAuditActions
{
    public const string Escalate = "ticket.escalate";
    public const string Assign = "ticket.assign";
    public const string Status = "ticket.status";
    public const string Priority = "ticket.priority";
}
