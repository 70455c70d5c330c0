using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using SupportCommunity.Data;
using SupportCommunity.Identity;
using SupportCommunity.Moderation;

namespace SupportCommunity.Webhooks;

/// <summary>The audit codes of webhook configuration changes.</summary>
public static class WebhookAuditActions
{
    public const string Create = "webhook.create";
    public const string Update = "webhook.update";
    public const string Delete = "webhook.delete";
    public const string RotateSecret = "webhook.rotate-secret";
}

/// <summary>An endpoint as the admin page and the API show it: never its secret.</summary>
public sealed record WebhookEndpointDto(
    int Id, string Url, IReadOnlyList<string> Events, bool Active, DateTimeOffset CreatedAt, string CreatedByName)
{
    public static WebhookEndpointDto From(WebhookEndpoint e) => new(e.Id, e.Url, e.EventList, e.Active, e.CreatedAt, e.CreatedByName);
}

/// <summary>An endpoint with its secret: the answer to creation and rotation, the only times the secret is shown.</summary>
public sealed record WebhookEndpointSecret(WebhookEndpointDto Endpoint, string Secret);

/// <summary>A new endpoint (every field needed but <see cref="Active"/>), or a change (null fields stay as they are).</summary>
public sealed record WebhookEndpointInput(string? Url, IReadOnlyList<string>? Events, bool? Active = null);

public sealed record WebhookDeliveryDto(
    long Id,
    long EventId,
    string EventType,
    int EndpointId,
    string EndpointUrl,
    string Status,
    int Attempts,
    int? LastStatusCode,
    string? LastError,
    DateTimeOffset CreatedAt,
    DateTimeOffset? LastAttemptAt,
    DateTimeOffset? NextAttemptAt,
    DateTimeOffset? DeliveredAt);

/// <summary>Deliveries newest first; ask for the next page with <c>before</c> = <see cref="NextBefore"/>.</summary>
public sealed record WebhookDeliveryPage(IReadOnlyList<WebhookDeliveryDto> Items, long? NextBefore);

/// <summary>
/// Managing outbound webhooks (issue 7 item 7): admins only, on every path, whatever the UI shows. Endpoints hold
/// URLs that are often credentials themselves (a Slack incoming-webhook URL is), so not even community managers read
/// them. Configuration changes are audited in their transaction, with the URL's path left out of the log.
/// </summary>
public sealed class WebhookService(
    IDbContextFactory<CommunityDbContext> dbFactory,
    WebhookUrlPolicy urls,
    WebhookSignal signal,
    IOptions<WebhookOptions> options,
    TimeProvider clock)
{
    public const int MaxPageSize = 100;

    public static bool MayManage(Actor? actor) => actor?.Roles.Contains(CommunityRoles.Admin) == true;

    public async Task<IReadOnlyList<WebhookEndpointDto>> ListAsync(Actor actor, CancellationToken cancellationToken = default)
    {
        Authorize(actor);
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        var endpoints = await db.WebhookEndpoints.AsNoTracking().Where(e => e.DeletedAt == null).OrderBy(e => e.Id).ToListAsync(cancellationToken);
        return [.. endpoints.Select(WebhookEndpointDto.From)];
    }

    public async Task<WebhookEndpointSecret> CreateAsync(Actor actor, WebhookEndpointInput input, CancellationToken cancellationToken = default)
    {
        Authorize(actor);
        var url = await urls.ValidateAsync(input.Url, cancellationToken);
        var events = CheckEvents(input.Events ?? []);
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        if (await db.WebhookEndpoints.CountAsync(e => e.DeletedAt == null, cancellationToken) >= options.Value.MaxEndpoints)
        {
            throw new CommunityException(CommunityError.Conflict,
                $"There are already {options.Value.MaxEndpoints} webhooks. Delete one before adding another.");
        }

        var now = clock.GetUtcNow();
        var endpoint = new WebhookEndpoint
        {
            Url = url.AbsoluteUri,
            Events = string.Join(',', events),
            Active = input.Active ?? true,
            Secret = WebhookSignature.NewSecret(),
            CreatedById = actor.UserId,
            CreatedByName = actor.DisplayName,
            CreatedAt = now,
        };
        db.WebhookEndpoints.Add(endpoint);
        AuditLog.Add(db, actor, WebhookAuditActions.Create, "webhook added", now, after: Describe(endpoint));
        await db.SaveChangesAsync(cancellationToken);
        return new WebhookEndpointSecret(WebhookEndpointDto.From(endpoint), endpoint.Secret);
    }

    /// <summary>Changes the URL, the events or <see cref="WebhookEndpoint.Active"/> (disable, enable).</summary>
    public async Task<WebhookEndpointDto> UpdateAsync(Actor actor, int id, WebhookEndpointInput input, CancellationToken cancellationToken = default)
    {
        Authorize(actor);
        var url = input.Url is null ? null : await urls.ValidateAsync(input.Url, cancellationToken);
        var events = input.Events is null ? null : CheckEvents(input.Events);
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        var endpoint = await FindAsync(db, id, cancellationToken);
        var before = Describe(endpoint);
        var (oldUrl, wasActive) = (endpoint.Url, endpoint.Active);
        endpoint.Url = url?.AbsoluteUri ?? endpoint.Url;
        endpoint.Events = events is null ? endpoint.Events : string.Join(',', events);
        endpoint.Active = input.Active ?? endpoint.Active;
        var after = Describe(endpoint);
        if (before != after || endpoint.Url != oldUrl)
        {
            var reason = endpoint.Active == wasActive ? "webhook changed" : endpoint.Active ? "webhook enabled" : "webhook disabled";
            AuditLog.Add(db, actor, WebhookAuditActions.Update, reason, clock.GetUtcNow(), before: before, after: after);
            await db.SaveChangesAsync(cancellationToken);
        }

        if (endpoint.Active && !wasActive)
        {
            // Deliveries that waited while it was off are due again.
            signal.Wake();
        }

        return WebhookEndpointDto.From(endpoint);
    }

    /// <summary>Soft delete: the endpoint is disabled and leaves the list; its pending deliveries fail; the log stays.</summary>
    public async Task DeleteAsync(Actor actor, int id, CancellationToken cancellationToken = default)
    {
        Authorize(actor);
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        var endpoint = await FindAsync(db, id, cancellationToken);
        var now = clock.GetUtcNow();
        await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
        endpoint.Active = false;
        endpoint.DeletedAt = now;
        AuditLog.Add(db, actor, WebhookAuditActions.Delete, "webhook deleted", now, before: Describe(endpoint));
        await db.SaveChangesAsync(cancellationToken);
        await db.WebhookDeliveries
            .Where(d => d.EndpointId == id && d.Status == WebhookDeliveryStatus.Pending)
            .ExecuteUpdateAsync(s => s
                .SetProperty(d => d.Status, WebhookDeliveryStatus.Failed)
                .SetProperty(d => d.LastError, "The endpoint was deleted.")
                // A send in flight loses its lease, so its outcome cannot turn the delivery pending again.
                .SetProperty(d => d.LockedBy, (string?)null)
                .SetProperty(d => d.LockedUntil, (DateTimeOffset?)null), cancellationToken);
        await transaction.CommitAsync(cancellationToken);
    }

    /// <summary>A new secret, in force for the next request; the old one stops working at once.</summary>
    public async Task<WebhookEndpointSecret> RotateSecretAsync(Actor actor, int id, CancellationToken cancellationToken = default)
    {
        Authorize(actor);
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        var endpoint = await FindAsync(db, id, cancellationToken);
        endpoint.Secret = WebhookSignature.NewSecret();
        AuditLog.Add(db, actor, WebhookAuditActions.RotateSecret, "webhook secret rotated", clock.GetUtcNow(), after: Describe(endpoint));
        await db.SaveChangesAsync(cancellationToken);
        return new WebhookEndpointSecret(WebhookEndpointDto.From(endpoint), endpoint.Secret);
    }

    /// <summary>Sends a <c>webhook.ping</c> to this endpoint alone, through the same queue, signature and retries as any event.</summary>
    public async Task<WebhookDeliveryDto> SendTestAsync(Actor actor, int id, CancellationToken cancellationToken = default)
    {
        Authorize(actor);
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        var endpoint = await FindAsync(db, id, cancellationToken);
        if (!endpoint.Active)
        {
            throw new CommunityException(CommunityError.Conflict, "Enable the webhook before sending it a test event.");
        }

        var now = clock.GetUtcNow();
        var ping = new WebhookEvent
        {
            Type = WebhookEventTypes.Ping,
            Payload = JsonSerializer.Serialize(new { endpointId = id, sentBy = actor.DisplayName, message = "A test event from the webhooks page." }),
            OccurredAt = now,
            // Not fanned out to the other endpoints: its one delivery is added here.
            FannedOutAt = now,
        };
        var delivery = NewDelivery(0, endpoint.Id, now, options.Value);
        await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
        db.WebhookEvents.Add(ping);
        await db.SaveChangesAsync(cancellationToken);
        delivery.EventId = ping.Id;
        db.WebhookDeliveries.Add(delivery);
        await db.SaveChangesAsync(cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        signal.Wake();
        return ToDto(delivery, ping.Type, endpoint.Url);
    }

    /// <summary>The delivery log, newest first, by keyset on the id; optionally one endpoint's, or one status.</summary>
    public async Task<WebhookDeliveryPage> ListDeliveriesAsync(
        Actor actor, int? endpointId, string? status, long? before, int? limit, CancellationToken cancellationToken = default)
    {
        Authorize(actor);
        var size = limit ?? 50;
        if (size is < 1 or > MaxPageSize)
        {
            throw CommunityException.Invalid($"limit must be between 1 and {MaxPageSize}.");
        }

        WebhookDeliveryStatus? wanted = null;
        if (!string.IsNullOrWhiteSpace(status))
        {
            wanted = Enum.TryParse<WebhookDeliveryStatus>(status.Trim(), ignoreCase: true, out var parsed) && Enum.IsDefined(parsed)
                ? parsed
                : throw CommunityException.Invalid("status is pending, delivered or failed.");
        }

        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        var query = db.WebhookDeliveries.AsNoTracking();
        if (endpointId is { } endpoint)
        {
            query = query.Where(d => d.EndpointId == endpoint);
        }

        if (wanted is { } s)
        {
            query = query.Where(d => d.Status == s);
        }

        if (before is { } b)
        {
            query = query.Where(d => d.Id < b);
        }

        var rows = await (
                from d in query
                join e in db.WebhookEvents on d.EventId equals e.Id
                join p in db.WebhookEndpoints on d.EndpointId equals p.Id
                orderby d.Id descending
                select new { Delivery = d, e.Type, p.Url })
            .Take(size + 1)
            .ToListAsync(cancellationToken);
        var page = rows.Take(size).Select(r => ToDto(r.Delivery, r.Type, r.Url)).ToList();
        return new WebhookDeliveryPage(page, rows.Count > size ? page[^1].Id : null);
    }

    /// <summary>Sends a delivery again, soon, with the same delivery id (receivers that already took it may drop it).</summary>
    public async Task<WebhookDeliveryDto> RedeliverAsync(Actor actor, long deliveryId, CancellationToken cancellationToken = default)
    {
        Authorize(actor);
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        var row = await (
                from d in db.WebhookDeliveries
                join e in db.WebhookEvents on d.EventId equals e.Id
                join p in db.WebhookEndpoints on d.EndpointId equals p.Id
                where d.Id == deliveryId
                select new { Delivery = d, e.Type, Endpoint = p })
            .SingleOrDefaultAsync(cancellationToken)
            ?? throw CommunityException.NotFound($"There is no webhook delivery {deliveryId}.");
        if (row.Endpoint.DeletedAt is not null)
        {
            throw new CommunityException(CommunityError.Conflict, "The webhook was deleted: its deliveries cannot be sent again.");
        }

        if (!row.Endpoint.Active)
        {
            throw new CommunityException(CommunityError.Conflict, "Enable the webhook before redelivering to it.");
        }

        var now = clock.GetUtcNow();
        var delivery = row.Delivery;
        delivery.NextAttemptAt = now;
        if (delivery.Status != WebhookDeliveryStatus.Pending)
        {
            delivery.Status = WebhookDeliveryStatus.Pending;
            delivery.Attempts = 0;
            delivery.GiveUpAt = now + options.Value.GiveUpAfter;
            delivery.DeliveredAt = null;
        }

        await db.SaveChangesAsync(cancellationToken);
        signal.Wake();
        return ToDto(delivery, row.Type, row.Endpoint.Url);
    }

    internal static WebhookDelivery NewDelivery(long eventId, int endpointId, DateTimeOffset now, WebhookOptions settings) => new()
    {
        EventId = eventId,
        EndpointId = endpointId,
        Status = WebhookDeliveryStatus.Pending,
        CreatedAt = now,
        NextAttemptAt = now,
        GiveUpAt = now + settings.GiveUpAfter,
    };

    private static WebhookDeliveryDto ToDto(WebhookDelivery d, string type, string url) => new(
        d.Id, d.EventId, type, d.EndpointId, url, d.Status.ToString().ToLowerInvariant(), d.Attempts, d.LastStatusCode, d.LastError,
        d.CreatedAt, d.LastAttemptAt, d.Status == WebhookDeliveryStatus.Pending ? d.NextAttemptAt : null, d.DeliveredAt);

    private static void Authorize(Actor actor)
    {
        if (!MayManage(actor))
        {
            throw CommunityException.Forbidden("Only admins can manage webhooks.");
        }
    }

    private static async Task<WebhookEndpoint> FindAsync(CommunityDbContext db, int id, CancellationToken cancellationToken) =>
        await db.WebhookEndpoints.SingleOrDefaultAsync(e => e.Id == id && e.DeletedAt == null, cancellationToken)
        ?? throw CommunityException.NotFound($"There is no webhook {id}.");

    private static List<string> CheckEvents(IReadOnlyList<string> events)
    {
        var chosen = events.Select(e => (e ?? "").Trim()).Where(e => e.Length > 0).Distinct(StringComparer.Ordinal).ToList();
        if (chosen.Count == 0)
        {
            throw CommunityException.Invalid($"Choose at least one event: {string.Join(", ", WebhookEventTypes.All)}.");
        }

        if (chosen.FirstOrDefault(e => !WebhookEventTypes.All.Contains(e)) is { } unknown)
        {
            throw CommunityException.Invalid($"'{Excerpt(unknown)}' is not an event webhooks can subscribe to: {string.Join(", ", WebhookEventTypes.All)}.");
        }

        // Stored in the order of the list, whatever order they came in.
        return [.. WebhookEventTypes.All.Where(chosen.Contains)];
    }

    private static string Excerpt(string text) => text.Length <= 40 ? text : text[..40] + "…";

    private static string Describe(WebhookEndpoint e) =>
        $"{WebhookUrlPolicy.Redact(e.Url)} [{e.Events}]{(e.Active ? "" : " (disabled)")}";
}
