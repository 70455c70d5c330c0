using System.Globalization;
using Microsoft.Extensions.Options;

namespace SupportCommunity.Tickets;

/// <summary>
/// Business hours: the days of the week and the local hours (in one time zone) that SLA clocks count. Adding 4 hours
/// to Friday 16:00 with 09:00–17:00 on weekdays gives Monday 12:00.
/// </summary>
/// <remarks>
/// Hours are counted on the wall clock of the zone: a business day is <c>DayEnd - DayStart</c> long, also on the day
/// daylight saving time starts or ends. A due time that would fall in the hour skipped by a DST change moves past it.
/// </remarks>
public sealed class BusinessCalendar
{
    private readonly HashSet<DayOfWeek> _days;

    private BusinessCalendar(TimeZoneInfo zone, HashSet<DayOfWeek> days, TimeSpan start, TimeSpan end)
    {
        Zone = zone;
        _days = days;
        Start = start;
        End = end;
    }

    public TimeZoneInfo Zone { get; }

    public TimeSpan Start { get; }

    public TimeSpan End { get; }

    public IReadOnlySet<DayOfWeek> Days => _days;

    /// <summary>The calendar of <paramref name="options"/>, or false with what is wrong.</summary>
    public static bool TryCreate(SlaOptions options, out BusinessCalendar? calendar, out string? error)
    {
        calendar = null;
        TimeZoneInfo zone;
        try
        {
            zone = TimeZoneInfo.FindSystemTimeZoneById(options.TimeZone);
        }
        catch (Exception ex) when (ex is TimeZoneNotFoundException or InvalidTimeZoneException or ArgumentException)
        {
            error = $"Tickets:Sla:TimeZone '{options.TimeZone}' is not a known time zone.";
            return false;
        }

        var days = new HashSet<DayOfWeek>();
        foreach (var name in (options.BusinessDays ?? "").Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            if (!Enum.TryParse<DayOfWeek>(name, ignoreCase: true, out var day) || !Enum.IsDefined(day) || int.TryParse(name, out _))
            {
                error = $"Tickets:Sla:BusinessDays: '{name}' is not a day of the week.";
                return false;
            }

            days.Add(day);
        }

        if (days.Count == 0)
        {
            error = "Tickets:Sla:BusinessDays must name at least one day.";
            return false;
        }

        if (options.DayStart < TimeSpan.Zero || options.DayEnd > TimeSpan.FromDays(1) || options.DayEnd <= options.DayStart)
        {
            error = "Tickets:Sla:DayStart must be before Tickets:Sla:DayEnd, both within one day (00:00 to 24:00).";
            return false;
        }

        foreach (var priority in Enum.GetValues<TicketPriority>())
        {
            var target = options.For(priority);
            if (target.FirstResponse <= TimeSpan.Zero || target.Resolution <= TimeSpan.Zero)
            {
                error = $"Tickets:Sla:{priority}: FirstResponse and Resolution must be positive.";
                return false;
            }
        }

        calendar = new BusinessCalendar(zone, days, options.DayStart, options.DayEnd);
        error = null;
        return true;
    }

    public static BusinessCalendar Create(SlaOptions options) =>
        TryCreate(options, out var calendar, out var error) ? calendar! : throw new OptionsValidationException(SlaOptions.Section, typeof(SlaOptions), [error!]);

    /// <summary>Whether <paramref name="at"/> falls within business hours.</summary>
    public bool IsOpen(DateTimeOffset at)
    {
        var local = TimeZoneInfo.ConvertTime(at, Zone).DateTime;
        return _days.Contains(local.DayOfWeek) && local.TimeOfDay >= Start && local.TimeOfDay < End;
    }

    /// <summary><paramref name="duration"/> of business time after <paramref name="from"/>, in UTC.</summary>
    public DateTimeOffset Add(DateTimeOffset from, TimeSpan duration)
    {
        if (duration <= TimeSpan.Zero)
        {
            return from.ToUniversalTime();
        }

        var local = TimeZoneInfo.ConvertTime(from, Zone).DateTime;
        // At least one business day a week, so a year of days always suffices for any sane target; the bound only
        // guards against a target of years.
        for (var i = 0; i < 3660; i++)
        {
            var day = local.Date;
            if (_days.Contains(day.DayOfWeek))
            {
                var open = day + Start;
                var close = day + End;
                if (local < open)
                {
                    local = open;
                }

                if (local < close)
                {
                    var available = close - local;
                    if (duration <= available)
                    {
                        return ToUtc(local + duration);
                    }

                    duration -= available;
                }
            }

            local = day.AddDays(1);
        }

        throw new InvalidOperationException(string.Create(CultureInfo.InvariantCulture, $"An SLA target of {duration} is too long."));
    }

    private DateTimeOffset ToUtc(DateTime local)
    {
        if (Zone.IsInvalidTime(local))
        {
            local = local.AddHours(1); // the hour skipped when clocks go forward
        }

        return new DateTimeOffset(DateTime.SpecifyKind(local, DateTimeKind.Unspecified), Zone.GetUtcOffset(local)).ToUniversalTime();
    }
}

/// <summary>Due times of a ticket's SLA clocks for its priority (section <c>Tickets:Sla</c>).</summary>
public sealed class SlaPolicy(IOptions<SlaOptions> options)
{
    private readonly SlaOptions _options = options.Value;
    private readonly BusinessCalendar _calendar = BusinessCalendar.Create(options.Value);

    public BusinessCalendar Calendar => _calendar;

    /// <summary>When the first response and the resolution are due for a ticket of <paramref name="priority"/> opened at <paramref name="openedAt"/>.</summary>
    public (DateTimeOffset FirstResponse, DateTimeOffset Resolution) DueTimes(TicketPriority priority, DateTimeOffset openedAt)
    {
        var target = _options.For(priority);
        return (Due(openedAt, target.FirstResponse, target.BusinessHoursOnly), Due(openedAt, target.Resolution, target.BusinessHoursOnly));
    }

    private DateTimeOffset Due(DateTimeOffset from, TimeSpan target, bool businessHoursOnly) =>
        businessHoursOnly ? _calendar.Add(from, target) : (from + target).ToUniversalTime();

    /// <summary>Sets the due times for the ticket's priority (counted from its creation) and its sort key.</summary>
    internal void Apply(Ticket ticket)
    {
        (ticket.FirstResponseDueAt, ticket.ResolutionDueAt) = DueTimes(ticket.Priority, ticket.CreatedAt);
        Refresh(ticket);
    }

    /// <summary>The sort key: the due time of the clock that runs out first, or none when no clock runs.</summary>
    internal static void Refresh(Ticket ticket)
    {
        var running = new List<DateTimeOffset>(2);
        if (!ticket.Status.IsResolved() && ticket.FirstRespondedAt is null)
        {
            running.Add(ticket.FirstResponseDueAt);
        }

        if (!ticket.Status.IsResolved())
        {
            running.Add(ticket.ResolutionDueAt);
        }

        ticket.SlaDueKey = running.Count == 0 ? long.MaxValue : running.Min().ToUnixTimeMilliseconds();
    }
}
