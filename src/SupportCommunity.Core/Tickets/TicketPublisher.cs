using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Logging;
using SupportCommunity.Data;
using SupportCommunity.Events;
using SupportCommunity.Messages;
using SupportCommunity.Notifications;

namespace SupportCommunity.Tickets;

/// <summary>
/// After a ticket change is committed: the bus events (the desk's full view; the requester's view, which never holds
/// an internal entry) and bell entries. A failure here never fails the committed change: pages re-read on load.
/// </summary>
public sealed partial class TicketPublisher(
    IDbContextFactory<CommunityDbContext> dbFactory,
    IRoomEventBus bus,
    TimeProvider clock,
    ILogger<TicketPublisher> logger)
{
    /// <summary>
    /// Tells the desk that the ticket changed, and about its new entries; the requester too, unless the change was
    /// only an internal note.
    /// </summary>
    public async Task PublishAsync(Ticket ticket, IReadOnlyList<TicketEntryDto> entries, DateTimeOffset now)
    {
        try
        {
            await bus.PublishAsync(new TicketChanged(null, TicketService.Summarize(ticket, now)), CancellationToken.None);
            if (entries.Any(e => e.Kind != TicketEntryKind.InternalNote))
            {
                await bus.PublishAsync(new TicketChanged(ticket.RequesterId, TicketService.Summarize(ticket, now, desk: false)), CancellationToken.None);
            }

            foreach (var entry in entries)
            {
                await bus.PublishAsync(new TicketEntryAdded(null, ticket.Number, entry), CancellationToken.None);
                // The requester's channel never carries a staff-only entry.
                if (entry.Kind.IsPublic() && !entry.Internal)
                {
                    await bus.PublishAsync(new TicketEntryAdded(ticket.RequesterId, ticket.Number, entry), CancellationToken.None);
                }
            }
        }
        catch (Exception ex)
        {
            PublishFailed(ex, ticket.Number);
        }
    }

    /// <summary>
    /// A bell entry about ticket <paramref name="number"/> for <paramref name="userId"/>, pushed live. The bell shows
    /// "<paramref name="actorName"/> on ticket #n" over <paramref name="text"/>.
    /// </summary>
    public async Task NotifyAsync(string userId, int number, string actorName, string text)
    {
        try
        {
            await using var db = await dbFactory.CreateDbContextAsync();
            var notification = new Notification
            {
                UserId = userId,
                Kind = NotificationKind.Ticket,
                RoomId = 0,
                RoomSlug = TicketChannels.Ticket(number),
                RoomName = "#" + number.ToString(System.Globalization.CultureInfo.InvariantCulture),
                Sequence = number,
                ActorName = MessageText.Excerpt(actorName, 64),
                Excerpt = MessageText.Excerpt(text, Notification.ExcerptLength),
                CreatedAt = clock.GetUtcNow(),
            };
            db.Notifications.Add(notification);
            await db.SaveChangesAsync();
            var unread = await db.Notifications.CountAsync(n => n.UserId == userId && n.ReadAt == null);
            await bus.PublishAsync(new NotificationAdded(userId, NotificationDto.From(notification), unread), CancellationToken.None);
        }
        catch (Exception ex)
        {
            NotifyFailed(ex, number);
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Publishing the change of ticket #{Number} failed; pages catch up when they reload")]
    private partial void PublishFailed(Exception exception, int number);

    [LoggerMessage(Level = LogLevel.Warning, Message = "The bell entry about ticket #{Number} could not be stored")]
    private partial void NotifyFailed(Exception exception, int number);
}
