using System.Globalization;
using MudBlazor;
using SupportCommunity.Tickets;

namespace SupportCommunity.Web.Tickets;

/// <summary>How tickets read on screen: status and priority names and colours, SLA clocks, and the links to their pages.</summary>
public static partial class TicketText
{
    /// <summary>The statuses the desk shows by default: everything still being worked.</summary>
    public static readonly IReadOnlyList<TicketStatus> Unresolved =
        [TicketStatus.New, TicketStatus.Open, TicketStatus.PendingOnCustomer, TicketStatus.OnHold];

    public static readonly IReadOnlyList<TicketStatus> AllStatuses = Enum.GetValues<TicketStatus>();

    public static readonly IReadOnlyList<TicketPriority> AllPriorities = Enum.GetValues<TicketPriority>();

    /// <summary>A clock due within this is shown as "due soon" (orange).</summary>
    public static readonly TimeSpan DueSoon = TimeSpan.FromHours(1);

    public static string DeskPage(int number) => "desk/tickets/" + number.ToString(CultureInfo.InvariantCulture);

    public static string CustomerPage(int number) => "tickets/" + number.ToString(CultureInfo.InvariantCulture);

    public static string Label(this TicketStatus status) => status switch
    {
        TicketStatus.New => "New",
        TicketStatus.Open => "Open",
        TicketStatus.PendingOnCustomer => "Pending on customer",
        TicketStatus.OnHold => "On hold",
        TicketStatus.Solved => "Solved",
        TicketStatus.Closed => "Closed",
        _ => status.ToString(),
    };

    /// <summary>The customer's words for a status: "pending on customer" is a question for them.</summary>
    public static string CustomerLabel(this TicketStatus status) => status switch
    {
        TicketStatus.New => "Received",
        TicketStatus.Open or TicketStatus.OnHold => "In progress",
        TicketStatus.PendingOnCustomer => "Waiting for your reply",
        TicketStatus.Solved => "Solved",
        TicketStatus.Closed => "Closed",
        _ => status.ToString(),
    };

    public static Color ColorOf(this TicketStatus status) => status switch
    {
        TicketStatus.New => Color.Info,
        TicketStatus.Open => Color.Primary,
        TicketStatus.PendingOnCustomer => Color.Warning,
        TicketStatus.OnHold => Color.Default,
        TicketStatus.Solved => Color.Success,
        _ => Color.Dark,
    };

    public static string Label(this TicketPriority priority) => priority.ToString();

    public static Color ColorOf(this TicketPriority priority) => priority switch
    {
        TicketPriority.Urgent => Color.Error,
        TicketPriority.High => Color.Warning,
        TicketPriority.Low => Color.Default,
        _ => Color.Info,
    };

    public static string PriorityIcon(this TicketPriority priority) => priority switch
    {
        TicketPriority.Urgent => Icons.Material.Filled.PriorityHigh,
        TicketPriority.High => Icons.Material.Filled.KeyboardDoubleArrowUp,
        TicketPriority.Low => Icons.Material.Filled.KeyboardArrowDown,
        _ => Icons.Material.Filled.DragHandle,
    };

    /// <summary>"3 min", "2 h 05 min", "3 d 4 h": a span as people say it, never negative.</summary>
    public static string Span(TimeSpan span)
    {
        var minutes = (long)Math.Ceiling(Math.Abs(span.TotalMinutes));
        return minutes switch
        {
            < 1 => "less than a minute",
            < 60 => $"{minutes} min",
            < 24 * 60 => $"{minutes / 60} h {minutes % 60:00} min",
            _ => $"{minutes / (24 * 60)} d {minutes % (24 * 60) / 60} h",
        };
    }

    /// <summary>What an SLA chip shows about a ticket now.</summary>
    /// <param name="compact">For the queue's rows: "Reply in 40 min", "Reply overdue 5 min".</param>
    public static SlaState Sla(TicketSummaryDto ticket, DateTimeOffset now, bool compact = false)
    {
        var clocks = new (string Name, SlaClockDto? Clock)[] { ("First response", ticket.FirstResponse), ("Resolution", ticket.Resolution) };
        var running = clocks.Where(c => c.Clock is { Running: true }).OrderBy(c => c.Clock!.DueAt).FirstOrDefault();
        if (running.Clock is { } clock)
        {
            var left = clock.DueAt - now;
            var verb = running.Name == "Resolution" ? "Resolve" : "Reply";
            return left <= TimeSpan.Zero
                ? new SlaState(SlaLevel.Breached, compact ? $"{verb} overdue {Span(left)}" : $"{running.Name} breached {Span(left)} ago", clock.DueAt)
                : new SlaState(left <= DueSoon ? SlaLevel.DueSoon : SlaLevel.Running, compact ? $"{verb} in {Span(left)}" : $"{running.Name} due in {Span(left)}", clock.DueAt);
        }

        var missed = clocks.FirstOrDefault(c => c.Clock is { } stopped && stopped.IsBreached(now));
        if (missed.Clock is not null)
        {
            return new SlaState(SlaLevel.Missed, compact ? "SLA missed" : $"{missed.Name} SLA missed", missed.Clock.DueAt);
        }

        return clocks.Any(c => c.Clock is not null) ? new SlaState(SlaLevel.Met, "SLA met", null) : new SlaState(SlaLevel.None, "", null);
    }

    /// <summary>
    /// A one-line excerpt without markdown's marks (link targets, emphasis, code ticks, heading and quote marks), for
    /// a subject or a compact preview.
    /// </summary>
    public static string PlainExcerpt(string? markdown, int length)
    {
        var text = MarkdownLink().Replace(markdown ?? "", "$1");
        text = MarkdownMarks().Replace(text, "");
        text = LineMarks().Replace(text, "");
        return SupportCommunity.Messages.MessageText.Excerpt(text, length);
    }

    [System.Text.RegularExpressions.GeneratedRegex(@"!?\[([^\]]*)\]\([^)]*\)")]
    private static partial System.Text.RegularExpressions.Regex MarkdownLink();

    [System.Text.RegularExpressions.GeneratedRegex(@"(\*\*|__|~~|`+)")]
    private static partial System.Text.RegularExpressions.Regex MarkdownMarks();

    [System.Text.RegularExpressions.GeneratedRegex(@"(?m)^\s*(#{1,6}|>+|[-*+]|\d+\.)\s+")]
    private static partial System.Text.RegularExpressions.Regex LineMarks();

    public static string Ago(DateTimeOffset then, DateTimeOffset now) =>
        SupportCommunity.Web.Notifications.NotificationLinks.Ago(then, now);

    /// <summary>A timeline change as a sentence: "Maya Chen changed the status from New to Open".</summary>
    public static string Change(TicketEntryDto entry, bool forCustomer) => entry.Kind switch
    {
        TicketEntryKind.Escalation => forCustomer ? "Your conversation was escalated to our support team" : $"{entry.AuthorName} escalated this from the community",
        TicketEntryKind.StatusChange => forCustomer
            ? $"Status: {StatusName(entry.To, customer: true)}"
            : $"{entry.AuthorName} changed the status from {StatusName(entry.From, false)} to {StatusName(entry.To, false)}",
        TicketEntryKind.PriorityChange => $"{entry.AuthorName} changed the priority from {entry.From} to {entry.To}",
        TicketEntryKind.Assignment => (entry.From, entry.To) switch
        {
            (_, null or "") => $"{entry.AuthorName} unassigned {entry.From}",
            (var from, var to) when to == entry.AuthorName && string.IsNullOrEmpty(from) => $"{to} claimed the ticket",
            (null or "", var to) => $"{entry.AuthorName} assigned it to {to}",
            (var from, var to) => $"{entry.AuthorName} reassigned it from {from} to {to}",
        },
        TicketEntryKind.Rating => forCustomer ? $"You rated this {entry.To} of 5" : $"{entry.AuthorName} rated this {entry.To} of 5",
        _ => "",
    };

    private static string StatusName(string? value, bool customer) =>
        Enum.TryParse<TicketStatus>(value, out var status) ? (customer ? status.CustomerLabel() : status.Label()) : value ?? "";
}

public enum SlaLevel
{
    None,
    Met,
    Running,
    DueSoon,
    Breached,
    Missed,
}

/// <summary>The SLA as one chip: its level, its words, and the due time it is about (for the tooltip).</summary>
public sealed record SlaState(SlaLevel Level, string Text, DateTimeOffset? DueAt)
{
    public Color Color => Level switch
    {
        SlaLevel.Breached or SlaLevel.Missed => Color.Error,
        SlaLevel.DueSoon => Color.Warning,
        SlaLevel.Met => Color.Success,
        _ => Color.Default,
    };

    public string Icon => Level switch
    {
        SlaLevel.Breached or SlaLevel.Missed => Icons.Material.Filled.AlarmOff,
        SlaLevel.Met => Icons.Material.Outlined.CheckCircle,
        _ => Icons.Material.Outlined.Alarm,
    };
}
