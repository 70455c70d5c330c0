using SupportCommunity.Events;

namespace SupportCommunity.Tickets;

/// <summary>
/// An SLA clock: due at <see cref="DueAt"/>; <see cref="MetAt"/> when it stopped (first staff reply, or solved).
/// <see cref="Breached"/> is as of when the DTO was made; a live page recomputes it with <see cref="IsBreached"/>.
/// </summary>
public sealed record SlaClockDto(DateTimeOffset DueAt, DateTimeOffset? MetAt, bool Breached)
{
    /// <summary>Stopped late, or still running past its due time.</summary>
    public bool IsBreached(DateTimeOffset now) => MetAt is { } met ? met > DueAt : now > DueAt;

    /// <summary>Running (not met yet).</summary>
    public bool Running => MetAt is null;

    public static SlaClockDto Of(DateTimeOffset dueAt, DateTimeOffset? metAt, DateTimeOffset now) =>
        new(dueAt, metAt, metAt is { } met ? met > dueAt : now > dueAt);
}

/// <summary>
/// A ticket as a list row and as the head of its page. For the requester (a customer) the SLA clocks, queue and
/// category are left out (<see langword="null"/> / empty): they are the desk's business.
/// </summary>
public sealed record TicketSummaryDto(
    int Number,
    string Subject,
    TicketStatus Status,
    TicketPriority Priority,
    string Queue,
    string Category,
    string RequesterId,
    string RequesterName,
    string? AssigneeId,
    string? AssigneeName,
    TicketSourceKind SourceKind,
    string SourceRoomSlug,
    string SourceRoomName,
    DateTimeOffset CreatedAt,
    DateTimeOffset UpdatedAt,
    SlaClockDto? FirstResponse,
    SlaClockDto? Resolution,
    int? Rating,
    int Version)
{
    /// <summary>"#123".</summary>
    public string Reference => "#" + Number.ToString(System.Globalization.CultureInfo.InvariantCulture);

    /// <summary>A running clock is past due, or a clock stopped late.</summary>
    public bool IsBreached(DateTimeOffset now) =>
        (FirstResponse?.IsBreached(now) ?? false) || (Resolution?.IsBreached(now) ?? false);

    /// <summary>The due time of the clock that runs out first, or null when none runs.</summary>
    public DateTimeOffset? NextDueAt =>
        new[] { FirstResponse, Resolution }.Where(c => c is { Running: true }).Select(c => (DateTimeOffset?)c!.DueAt).Min();
}

/// <summary>A copied message of the transcript; <see cref="ByRequester"/> marks the customer's own lines.</summary>
public sealed record TranscriptLineDto(
    long Sequence,
    long? ReplyToSequence,
    string AuthorName,
    string AuthorRole,
    string Body,
    DateTimeOffset CreatedAt,
    DateTimeOffset? EditedAt,
    bool ByRequester);

/// <summary>
/// One timeline item. <see cref="Internal"/>: an internal note or another staff-only entry (never sent to customers).
/// <see cref="From"/>/<see cref="To"/>: the values of a change (statuses and priorities by name, assignees by display name).
/// </summary>
public sealed record TicketEntryDto(
    long Id,
    TicketEntryKind Kind,
    string AuthorId,
    string AuthorName,
    string AuthorRole,
    string? Body,
    string? From,
    string? To,
    DateTimeOffset At,
    bool Internal,
    Guid? ClientEntryId = null);

/// <summary>Where the ticket came from, and the page that shows it (<c>rooms/general</c>, <c>conversations/private-…</c>).</summary>
public sealed record TicketSourceDto(
    TicketSourceKind Kind,
    string RoomSlug,
    string RoomName,
    long? Sequence,
    long? ThreadRootSequence,
    string Page);

/// <summary>What the caller may do with the ticket now (the server checks again on every action).</summary>
public sealed record TicketPermissions(
    bool CanReply,
    bool CanAddNote,
    bool CanClaim,
    bool CanAssign,
    bool CanChangeStatus,
    bool CanChangePriority,
    bool CanRate);

/// <summary>A ticket's page: head, source, transcript, timeline (oldest first; customers get public entries only).</summary>
public sealed record TicketDto(
    TicketSummaryDto Summary,
    TicketSourceDto Source,
    IReadOnlyList<TranscriptLineDto> Transcript,
    IReadOnlyList<TicketEntryDto> Timeline,
    string? RatingComment,
    TicketPermissions Can)
{
    public int Number => Summary.Number;

    public int Version => Summary.Version;
}

/// <summary>A page of tickets; pass <see cref="NextCursor"/> back for the next one (null: no more).</summary>
public sealed record TicketPage(IReadOnlyList<TicketSummaryDto> Items, string? NextCursor);

[System.Text.Json.Serialization.JsonConverter(typeof(System.Text.Json.Serialization.JsonStringEnumConverter<TicketSort>))]
public enum TicketSort
{
    /// <summary>The SLA clock that runs out first, soonest first; tickets with no running clock last.</summary>
    DueSoonest = 0,

    /// <summary>Highest number first.</summary>
    Newest = 1,

    /// <summary>Urgent first, then oldest first within a priority.</summary>
    Priority = 2,
}

/// <summary>
/// The desk's filters. Every filter is optional and they combine with AND. <see cref="Statuses"/> empty or null: every
/// status. <see cref="Search"/>: a number (<c>123</c> or <c>#123</c>) or text in the subject. <see cref="Limit"/>:
/// 1 to 100 (default 50).
/// </summary>
public sealed record TicketQuery(
    bool Mine = false,
    bool Unassigned = false,
    bool Breached = false,
    IReadOnlyList<TicketStatus>? Statuses = null,
    TicketPriority? Priority = null,
    string? Queue = null,
    string? Search = null,
    TicketSort Sort = TicketSort.DueSoonest,
    string? Cursor = null,
    int? Limit = null);

/// <summary>
/// Escalating to a ticket. <see cref="RoomSlug"/> names a public room (with <see cref="Sequence"/>: the message whose
/// thread is escalated) or a private conversation (<see cref="Sequence"/> optional: the newest message to include).
/// <see cref="IncludeSequences"/>: the messages to copy, all in that room (at most 200); by default the thread (root and
/// replies) or the conversation's last 20 messages. <see cref="Force"/>: open a new ticket even when this thread or
/// conversation already has an open one.
/// </summary>
public sealed record EscalateRequest(
    string RoomSlug,
    long? Sequence,
    string? Subject,
    TicketPriority Priority = TicketPriority.Normal,
    string? Category = null,
    string? Queue = null,
    IReadOnlyList<long>? IncludeSequences = null,
    bool Force = false);

/// <summary><see cref="Created"/> false: the source already had an open ticket, returned as it is.</summary>
public sealed record EscalationResult(TicketDto Ticket, bool Created);

/// <summary>
/// A desk change (PATCH): the fields to change, null for unchanged. <see cref="AssigneeId"/> "" unassigns.
/// <see cref="ExpectedVersion"/>: the version the caller last read; when the ticket changed since, nothing is saved
/// and the answer is a conflict.
/// </summary>
public sealed record TicketChange(
    int ExpectedVersion,
    TicketStatus? Status = null,
    TicketPriority? Priority = null,
    string? AssigneeId = null,
    string? Queue = null,
    string? Category = null);

/// <summary>What a reply returns: the stored entry and the ticket after it (its status or version may have moved).</summary>
public sealed record TicketReplyResult(TicketSummaryDto Ticket, TicketEntryDto Entry);

/// <summary>Someone the desk can assign tickets to (agents, managers, admins).</summary>
public sealed record TicketAgentDto(string Id, string Name, string Role);

/// <summary>
/// A ticket changed (created, replied to, status, priority, assignee, rating). <see cref="UserId"/> null: for the desk
/// (agents, managers and admins, the full summary); otherwise for that requester (the customer's view).
/// </summary>
public sealed record TicketChanged(string? UserId, TicketSummaryDto Ticket)
    : RoomEvent(UserId is null ? TicketChannels.Desk : UserChannel.For(UserId));

/// <summary>
/// A timeline entry was added to ticket <see cref="TicketNumber"/>. The requester's copy is only ever published for
/// public entries: internal notes reach the desk alone.
/// </summary>
public sealed record TicketEntryAdded(string? UserId, int TicketNumber, TicketEntryDto Entry)
    : RoomEvent(UserId is null ? TicketChannels.Desk : UserChannel.For(UserId));

/// <summary>Bus channel names of the desk.</summary>
public static class TicketChannels
{
    /// <summary>Agents, managers and admins: every ticket's changes. No room slug can take it (slugs have no '@').</summary>
    public const string Desk = "@desk";

    /// <summary>
    /// Who is viewing or typing on a ticket: presence and typing events travel under this name (no room slug has a
    /// ':'), to the desk connections that watch the ticket.
    /// </summary>
    public static string Ticket(int number) => "ticket:" + number.ToString(System.Globalization.CultureInfo.InvariantCulture);

    /// <summary>The number in a <see cref="Ticket"/> channel name, or null.</summary>
    public static int? NumberOf(string channel) =>
        channel.StartsWith("ticket:", StringComparison.Ordinal)
        && int.TryParse(channel.AsSpan(7), System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var n)
            ? n
            : null;
}
