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
}

public static class WebhookEventTypes
{
    public const string TicketCreated = "ticket.created";
    public const string TicketUpdated = "ticket.updated";
    public const string TicketSolved = "ticket.solved";

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
        return webhookEvent;
    }
}

internal sealed class WebhookEventConfiguration : IEntityTypeConfiguration<WebhookEvent>
{
    public void Configure(EntityTypeBuilder<WebhookEvent> webhookEvent)
    {
        webhookEvent.Property(e => e.Type).HasMaxLength(40);
        webhookEvent.HasIndex(e => e.OccurredAt);
    }
}
