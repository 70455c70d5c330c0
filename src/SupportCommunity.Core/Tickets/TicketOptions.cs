namespace SupportCommunity.Tickets;

/// <summary>The desk (section <c>Tickets</c>).</summary>
public sealed class TicketOptions
{
    public const string Section = "Tickets";

    public const int MaxSubjectLength = 200;

    public const int MaxCategoryLength = 60;

    public const int MaxRatingCommentLength = 1000;

    /// <summary>The most messages one escalation may copy.</summary>
    public const int MaxTranscriptLines = 200;

    /// <summary>
    /// The desk's queues, comma-separated (lower-case letters, digits and '-'). The first is the default when an
    /// escalation names none and its room's slug is not a queue.
    /// </summary>
    public string Queues { get; set; } = "general,billing,technical";

    /// <summary>How many of a private conversation's newest messages an escalation copies by default.</summary>
    public int ConversationLines { get; set; } = 20;

    public IReadOnlyList<string> QueueList =>
        [.. Queues.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)];
}

/// <summary>
/// SLA targets per priority and the business hours they count in (section <c>Tickets:Sla</c>). A target of 4 hours in
/// business hours, Monday to Friday 09:00 to 17:00, set at 16:00 on a Friday, is due at 12:00 on Monday.
/// </summary>
public sealed class SlaOptions
{
    public const string Section = "Tickets:Sla";

    /// <summary>An IANA or Windows time zone id; the business hours are in this zone's local time.</summary>
    public string TimeZone { get; set; } = "UTC";

    /// <summary>Comma-separated day names, e.g. <c>Monday,Tuesday,Wednesday,Thursday,Friday</c>.</summary>
    public string BusinessDays { get; set; } = "Monday,Tuesday,Wednesday,Thursday,Friday";

    /// <summary>Local start of a business day, e.g. <c>09:00:00</c>.</summary>
    public TimeSpan DayStart { get; set; } = TimeSpan.FromHours(9);

    /// <summary>Local end of a business day (after <see cref="DayStart"/>; at most <c>1.00:00:00</c>, midnight).</summary>
    public TimeSpan DayEnd { get; set; } = TimeSpan.FromHours(17);

    public SlaTarget Low { get; set; } = new() { FirstResponse = TimeSpan.FromHours(8), Resolution = TimeSpan.FromHours(40) };

    public SlaTarget Normal { get; set; } = new() { FirstResponse = TimeSpan.FromHours(4), Resolution = TimeSpan.FromHours(24) };

    public SlaTarget High { get; set; } = new() { FirstResponse = TimeSpan.FromHours(2), Resolution = TimeSpan.FromHours(8) };

    /// <summary>Urgent clocks run around the clock by default.</summary>
    public SlaTarget Urgent { get; set; } = new() { FirstResponse = TimeSpan.FromHours(1), Resolution = TimeSpan.FromHours(4), BusinessHoursOnly = false };

    public SlaTarget For(TicketPriority priority) => priority switch
    {
        TicketPriority.Low => Low,
        TicketPriority.High => High,
        TicketPriority.Urgent => Urgent,
        _ => Normal,
    };
}

/// <summary>One priority's targets. <see cref="BusinessHoursOnly"/> false: the clocks also run outside business hours.</summary>
public sealed class SlaTarget
{
    public TimeSpan FirstResponse { get; set; }

    public TimeSpan Resolution { get; set; }

    public bool BusinessHoursOnly { get; set; } = true;
}
