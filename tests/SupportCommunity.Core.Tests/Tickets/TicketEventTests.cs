using System.Text.Json;
using SupportCommunity.Events;
using SupportCommunity.Tickets;

namespace SupportCommunity.Core.Tests.Tickets;

/// <summary>Ticket events cross nodes as JSON on the Redis bus: they must come back whole and on the right channel.</summary>
public sealed class TicketEventTests
{
    private static readonly DateTimeOffset At = new(2026, 11, 24, 10, 0, 0, TimeSpan.Zero);

    private static readonly TicketSummaryDto Summary = new(
        12, "Charged twice", TicketStatus.Open, TicketPriority.High, "billing", "refund", "u1", "Jordan Lee", "a1", "Sam Patel",
        TicketSourceKind.Conversation, "private-abc", "Jordan Lee · private", At, At.AddMinutes(5),
        SlaClockDto.Of(At.AddHours(2), At.AddMinutes(5), At), SlaClockDto.Of(At.AddHours(8), null, At), null, 3);

    [Fact]
    public void TicketEvents_RoundTripAsRoomEvents()
    {
        var entry = new TicketEntryDto(7, TicketEntryKind.PublicReply, "a1", "Sam Patel", "SupportAgent", "Hi", null, null, At, false, Guid.NewGuid());
        RoomEvent[] events = [new TicketChanged(null, Summary), new TicketChanged("u1", Summary with { FirstResponse = null, Resolution = null, Queue = "", Category = "" }), new TicketEntryAdded("u1", 12, entry)];

        foreach (var original in events)
        {
            var json = JsonSerializer.Serialize(original, JsonSerializerOptions.Web);
            var back = JsonSerializer.Deserialize<RoomEvent>(json, JsonSerializerOptions.Web);

            Assert.Equal(original.RoomSlug, back!.RoomSlug);
            switch ((original, back))
            {
                case (TicketChanged a, TicketChanged b):
                    Assert.Equal(a.Ticket, b.Ticket);
                    Assert.Equal(a.UserId, b.UserId);
                    break;
                case (TicketEntryAdded a, TicketEntryAdded b):
                    Assert.Equal((a.UserId, a.TicketNumber, a.Entry), (b.UserId, b.TicketNumber, b.Entry));
                    break;
                default:
                    Assert.Fail($"{original.GetType().Name} came back as {back.GetType().Name}.");
                    break;
            }
        }
    }

    [Fact]
    public void Channels_DeskAndRequesterAreApart()
    {
        Assert.Equal(TicketChannels.Desk, new TicketChanged(null, Summary).RoomSlug);
        Assert.Equal(UserChannel.For("u1"), new TicketChanged("u1", Summary).RoomSlug);
        Assert.Equal(12, TicketChannels.NumberOf(TicketChannels.Ticket(12)));
        Assert.Null(TicketChannels.NumberOf("general"));
        Assert.Null(TicketChannels.NumberOf("ticket:-1"));
    }

    [Fact]
    public void Json_UsesEnumNames()
    {
        var json = JsonSerializer.Serialize(Summary, JsonSerializerOptions.Web);

        Assert.Contains("\"status\":\"Open\"", json, StringComparison.Ordinal);
        Assert.Contains("\"priority\":\"High\"", json, StringComparison.Ordinal);
        Assert.Contains("\"reference\":\"#12\"", json, StringComparison.Ordinal);
    }

    [Fact]
    public void SlaClock_BreachedWhenLateOrStillRunningPastDue()
    {
        var due = At.AddHours(1);

        Assert.False(SlaClockDto.Of(due, At.AddMinutes(30), At.AddHours(5)).Breached); // met in time, whatever now is
        Assert.True(SlaClockDto.Of(due, At.AddHours(2), At.AddHours(5)).Breached); // met late
        Assert.False(SlaClockDto.Of(due, null, At).Breached);
        Assert.True(SlaClockDto.Of(due, null, At.AddHours(2)).Breached);
        Assert.True(SlaClockDto.Of(due, null, At).IsBreached(At.AddHours(2))); // a live page recomputes
    }
}
