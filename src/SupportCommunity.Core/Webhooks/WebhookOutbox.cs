using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;
using SupportCommunity.Data;

namespace SupportCommunity.Webhooks;

/// <summary>
/// Something outbound webhooks announce (a ticket created, updated, solved). It is added to the database in the same
/// transaction as the change it describes, so an event is stored if and only if the change is; delivery to the
/// subscribed endpoints happens after commit, in the background, and never slows the caller.
/// </summary>
public sealed class WebhookEvent
{
    public long Id { get; set; }

    /// <summary>One of <see cref="WebhookEventTypes"/>.</summary>
    public required string Type { get; set; }

    /// <summary>The event's JSON body as receivers get it (camelCase).</summary>
    public required string Payload { get; set; }

    public DateTimeOffset OccurredAt { get; set; }

    /// <summary>When a dispatcher turned the event into deliveries (one per subscribed endpoint); null until then.</summary>
    public DateTimeOffset? FannedOutAt { get; set; }
}

public static class WebhookEventTypes
{
    public const string TicketCreated = "ticket.created";
    public const string TicketUpdated = "ticket.updated";
    public const string TicketSolved = "ticket.solved";

    /// <summary>
    /// The admin page's "Send test event": sent to the one endpoint asked for, whatever it subscribed to. Not an
    /// outbox type (nothing else enqueues it) and not subscribable.
    /// </summary>
    public const string Ping = "webhook.ping";

    /// <summary>The types endpoints subscribe to and feature services enqueue.</summary>
    public static IReadOnlyList<string> All { get; } = [TicketCreated, TicketUpdated, TicketSolved];
}

public static class WebhookOutbox
{
    /// <summary>Adds an event to <paramref name="db"/>: it is stored by the caller's <c>SaveChanges</c>, with the change it describes.</summary>
    public static WebhookEvent Enqueue(CommunityDbContext db, string type, object payload, DateTimeOffset occurredAt)
    {
        if (!WebhookEventTypes.All.Contains(type))
        {
            throw new ArgumentOutOfRangeException(nameof(type), type, "Not a webhook event type.");
        }

        var webhookEvent = new WebhookEvent
        {
            Type = type,
            Payload = JsonSerializer.Serialize(payload, payload.GetType(), JsonSerializerOptions.Web),
            OccurredAt = occurredAt,
        };
        db.Add(webhookEvent);
        // The dispatcher is woken when this context's transaction commits (WebhookWakeInterceptor).
        WebhookWakeInterceptor.MarkPending(db);
        return webhookEvent;
    }
}

internal sealed class WebhookEventConfiguration : IEntityTypeConfiguration<WebhookEvent>
{
    public void Configure(EntityTypeBuilder<WebhookEvent> webhookEvent)
    {
        webhookEvent.Property(e => e.Type).HasMaxLength(40);
        webhookEvent.HasIndex(e => e.OccurredAt);
        // The dispatcher's work list: events not yet turned into deliveries.
        webhookEvent.HasIndex(e => e.FannedOutAt).HasFilter("FannedOutAt IS NULL");
    }
}
