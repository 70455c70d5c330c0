using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;
using Microsoft.EntityFrameworkCore.Storage.ValueConversion;

namespace SupportCommunity.Webhooks;

/// <summary>A receiver of outbound webhooks: an https URL, the events it wants, and the secret its payloads are signed with.</summary>
public sealed class WebhookEndpoint
{
    public int Id { get; set; }

    /// <summary>Validated by <see cref="WebhookUrlPolicy"/> when saved, and its addresses again on every connection.</summary>
    public string Url { get; set; } = "";

    /// <summary>
    /// The signing key (<c>whsec_</c> and 32 random bytes, base64url). Stored as is: signing needs it, and the
    /// data-protection key ring lives in the same database, so encrypting it with that ring would not protect it from
    /// a dump of the database (ADR-0012). Never returned except once, on creation and on rotation.
    /// </summary>
    public string Secret { get; set; } = "";

    /// <summary>Subscribed event types (<see cref="WebhookEventTypes.All"/>), comma-separated.</summary>
    public string Events { get; set; } = "";

    public bool Active { get; set; } = true;

    public string CreatedById { get; set; } = "";

    public string CreatedByName { get; set; } = "";

    public DateTimeOffset CreatedAt { get; set; }

    /// <summary>Set on delete: the endpoint stops receiving and leaves the list, and its delivery log stays readable.</summary>
    public DateTimeOffset? DeletedAt { get; set; }

    public IReadOnlyList<string> EventList =>
        Events.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);

    public bool Wants(string type) => EventList.Contains(type, StringComparer.Ordinal);
}

public enum WebhookDeliveryStatus
{
    /// <summary>Not delivered yet: due at <see cref="WebhookDelivery.NextAttemptAt"/>.</summary>
    Pending = 0,

    /// <summary>The endpoint answered 2xx.</summary>
    Delivered = 1,

    /// <summary>Given up: too many attempts, too old, or the endpoint was deleted.</summary>
    Failed = 2,
}

/// <summary>
/// One event for one endpoint. Its id is the <c>X-SupportCommunity-Delivery</c> header, the same on every attempt,
/// so receivers can drop repeats. A dispatcher holds a lease (<see cref="LockedBy"/> until <see cref="LockedUntil"/>)
/// while it sends, so with several nodes one node at a time sends a delivery.
/// </summary>
public sealed class WebhookDelivery
{
    public const int MaxErrorLength = 200;

    public long Id { get; set; }

    public long EventId { get; set; }

    public int EndpointId { get; set; }

    public WebhookDeliveryStatus Status { get; set; }

    /// <summary>HTTP requests sent so far, in-call retries included.</summary>
    public int Attempts { get; set; }

    public int? LastStatusCode { get; set; }

    /// <summary>Why the last attempt failed, in a few words: never an exception's text or a stack.</summary>
    public string? LastError { get; set; }

    public DateTimeOffset CreatedAt { get; set; }

    public DateTimeOffset? LastAttemptAt { get; set; }

    public DateTimeOffset NextAttemptAt { get; set; }

    /// <summary>After this the delivery is not tried again (Failed). A manual redelivery moves it on.</summary>
    public DateTimeOffset GiveUpAt { get; set; }

    public DateTimeOffset? DeliveredAt { get; set; }

    /// <summary>The dispatcher instance that holds the lease, or null.</summary>
    public string? LockedBy { get; set; }

    public DateTimeOffset? LockedUntil { get; set; }
}

internal sealed class WebhookEndpointConfiguration : IEntityTypeConfiguration<WebhookEndpoint>
{
    public void Configure(EntityTypeBuilder<WebhookEndpoint> endpoint)
    {
        endpoint.Property(e => e.Url).HasMaxLength(WebhookUrlPolicy.MaxUrlLength);
        endpoint.Property(e => e.Secret).HasMaxLength(100);
        endpoint.Property(e => e.Events).HasMaxLength(400);
        endpoint.Property(e => e.CreatedById).HasMaxLength(450);
        endpoint.Property(e => e.CreatedByName).HasMaxLength(100);
        endpoint.Ignore(e => e.EventList);
    }
}

internal sealed class WebhookDeliveryConfiguration : IEntityTypeConfiguration<WebhookDelivery>
{
    /// <summary>
    /// The times the dispatcher compares in SQL are stored as Unix milliseconds: SQLite keeps DateTimeOffset as text
    /// that EF cannot compare, and an integer compares the same way on both providers.
    /// </summary>
    private static readonly ValueConverter<DateTimeOffset, long> UnixMilliseconds = new(
        v => v.ToUnixTimeMilliseconds(), v => DateTimeOffset.FromUnixTimeMilliseconds(v));

    private static readonly ValueConverter<DateTimeOffset?, long?> NullableUnixMilliseconds = new(
        v => v.HasValue ? v.Value.ToUnixTimeMilliseconds() : null,
        v => v.HasValue ? DateTimeOffset.FromUnixTimeMilliseconds(v.Value) : null);

    public void Configure(EntityTypeBuilder<WebhookDelivery> delivery)
    {
        delivery.Property(d => d.LastError).HasMaxLength(WebhookDelivery.MaxErrorLength);
        delivery.Property(d => d.LockedBy).HasMaxLength(100);
        delivery.Property(d => d.NextAttemptAt).HasConversion(UnixMilliseconds);
        delivery.Property(d => d.GiveUpAt).HasConversion(UnixMilliseconds);
        delivery.Property(d => d.LockedUntil).HasConversion(NullableUnixMilliseconds);
        delivery.HasOne<WebhookEvent>().WithMany().HasForeignKey(d => d.EventId).OnDelete(DeleteBehavior.Cascade);
        delivery.HasOne<WebhookEndpoint>().WithMany().HasForeignKey(d => d.EndpointId).OnDelete(DeleteBehavior.Cascade);
        // One delivery per event and endpoint, whatever races between dispatchers.
        delivery.HasIndex(d => new { d.EventId, d.EndpointId }).IsUnique();
        // The dispatcher's due list.
        delivery.HasIndex(d => new { d.Status, d.NextAttemptAt });
        // The delivery log, newest first, by endpoint.
        delivery.HasIndex(d => new { d.EndpointId, d.Id });
    }
}
