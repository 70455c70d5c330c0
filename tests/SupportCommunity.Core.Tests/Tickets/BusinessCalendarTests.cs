using Microsoft.Extensions.Options;
using SupportCommunity.Tickets;

namespace SupportCommunity.Core.Tests.Tickets;

/// <summary>SLA due times in business hours (defaults: Monday to Friday, 09:00 to 17:00, UTC).</summary>
public sealed class BusinessCalendarTests
{
    // 2026-11-27 is a Friday.
    private static DateTimeOffset Utc(int day, int hour, int minute = 0) => new(2026, 11, day, hour, minute, 0, TimeSpan.Zero);

    private static BusinessCalendar Calendar(SlaOptions? options = null) => BusinessCalendar.Create(options ?? new SlaOptions());

    [Theory]
    [InlineData(24, 10, 4, 24, 14)] // Tuesday morning: the same day
    [InlineData(24, 7, 4, 24, 13)] // before hours: counted from 09:00
    [InlineData(24, 18, 2, 25, 11)] // after hours: counted from the next morning
    [InlineData(23, 13, 4, 23, 17)] // ends exactly at closing: due at 17:00, not the next morning
    [InlineData(27, 16, 4, 30, 12)] // Friday 16:00 + 4 h: one hour on Friday, three on Monday
    [InlineData(28, 10, 2, 30, 11)] // Saturday: nothing counts until Monday 09:00
    [InlineData(29, 23, 1, 30, 10)] // Sunday night
    public void Add_CountsOnlyBusinessHours(int day, int hour, int hours, int dueDay, int dueHour)
    {
        var due = Calendar().Add(Utc(day, hour), TimeSpan.FromHours(hours));

        Assert.Equal(Utc(dueDay, dueHour), due);
    }

    [Fact]
    public void Add_SpanningSeveralDays_CarriesOverEachEvening()
    {
        // Monday 15:00 + 24 business hours: 2 on Monday, 8 on Tuesday, 8 on Wednesday, 6 on Thursday.
        var due = Calendar().Add(Utc(23, 15), TimeSpan.FromHours(24));

        Assert.Equal(Utc(26, 15), due);
    }

    [Fact]
    public void Add_SpanningAWeekend_SkipsSaturdayAndSunday()
    {
        // Thursday 12:00 + 16 business hours: 5 on Thursday, 8 on Friday, 3 on Monday.
        var due = Calendar().Add(Utc(26, 12), TimeSpan.FromHours(16));

        Assert.Equal(Utc(30, 12), due);
    }

    [Fact]
    public void Add_InAnotherTimeZone_UsesItsLocalHours()
    {
        var calendar = Calendar(new SlaOptions { TimeZone = "Europe/Berlin" });

        // Friday 16:00 in Berlin (15:00 UTC in November) + 4 h: Monday 12:00 in Berlin, 11:00 UTC.
        var due = calendar.Add(Utc(27, 15), TimeSpan.FromHours(4));

        Assert.Equal(Utc(30, 11), due);
    }

    [Fact]
    public void Add_OverADaylightSavingChange_KeepsLocalBusinessHours()
    {
        var calendar = Calendar(new SlaOptions { TimeZone = "Europe/Berlin" });
        // Friday 2026-03-27, 16:00 CET (15:00 UTC); clocks go forward on Sunday the 29th.
        var friday = new DateTimeOffset(2026, 3, 27, 15, 0, 0, TimeSpan.Zero);

        var due = calendar.Add(friday, TimeSpan.FromHours(4));

        // One hour on Friday, three on Monday: 12:00 CEST, which is 10:00 UTC (CET was UTC+1, CEST is UTC+2).
        Assert.Equal(new DateTimeOffset(2026, 3, 30, 10, 0, 0, TimeSpan.Zero), due);
    }

    [Fact]
    public void Add_WithCustomDaysAndHours_UsesThem()
    {
        var calendar = Calendar(new SlaOptions { BusinessDays = "Saturday, sunday", DayStart = TimeSpan.FromHours(10), DayEnd = TimeSpan.FromHours(14) });

        // Friday 16:00 + 6 h: Saturday 10:00–14:00, then Sunday 10:00–12:00.
        var due = calendar.Add(Utc(27, 16), TimeSpan.FromHours(6));

        Assert.Equal(Utc(29, 12), due);
    }

    [Fact]
    public void DueTimes_UrgentRunsAroundTheClock_OthersInBusinessHours()
    {
        var policy = new SlaPolicy(Options.Create(new SlaOptions()));
        var saturdayNight = Utc(28, 22);

        var urgent = policy.DueTimes(TicketPriority.Urgent, saturdayNight);
        var normal = policy.DueTimes(TicketPriority.Normal, saturdayNight);

        Assert.Equal(Utc(28, 23), urgent.FirstResponse);
        Assert.Equal(Utc(29, 2), urgent.Resolution);
        Assert.Equal(Utc(30, 13), normal.FirstResponse); // 4 h from Monday 09:00
        Assert.Equal(new DateTimeOffset(2026, 12, 2, 17, 0, 0, TimeSpan.Zero), normal.Resolution); // 24 h = 3 business days
    }

    [Theory]
    [InlineData("Mars/Olympus", "Monday", 9, 17)]
    [InlineData("UTC", "", 9, 17)]
    [InlineData("UTC", "Monday,Funday", 9, 17)]
    [InlineData("UTC", "Monday", 17, 9)]
    [InlineData("UTC", "Monday", 9, 25)]
    public void TryCreate_BadSettings_AreRefusedWithAReason(string zone, string days, int start, int end)
    {
        var ok = BusinessCalendar.TryCreate(
            new SlaOptions { TimeZone = zone, BusinessDays = days, DayStart = TimeSpan.FromHours(start), DayEnd = TimeSpan.FromHours(end) },
            out _, out var error);

        Assert.False(ok);
        Assert.False(string.IsNullOrEmpty(error));
    }

    [Fact]
    public async Task Options_BadTimeZone_FailNamingTheSetting()
    {
        await using var database = new CommunityDatabase(new() { ["Tickets:Sla:TimeZone"] = "Mars/Olympus" });
        await database.InitializeAsync();

        var refusal = Assert.Throws<OptionsValidationException>(() => database.Get<IOptions<SlaOptions>>().Value);

        Assert.Contains("Tickets:Sla:TimeZone 'Mars/Olympus'", refusal.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void IsOpen_ReflectsBusinessHours()
    {
        var calendar = Calendar();

        Assert.True(calendar.IsOpen(Utc(27, 9)));
        Assert.False(calendar.IsOpen(Utc(27, 17)));
        Assert.False(calendar.IsOpen(Utc(28, 12)));
    }
}
