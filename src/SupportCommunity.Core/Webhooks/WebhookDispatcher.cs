using System.Collections.Concurrent;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using SupportCommunity.Data;

namespace SupportCommunity.Webhooks;

/// <summary>
/// Sends outbound webhooks in the background, on every node (ADR-0012):
/// <list type="number">
/// <item>fans out new <see cref="WebhookEvent"/>s into one <see cref="WebhookDelivery"/> per active endpoint that
///   subscribed to the type (the event is claimed with a conditional update, so two nodes never fan out one event);</item>
/// <item>takes due deliveries under a lease (a conditional update of <c>LockedBy</c>/<c>LockedUntil</c>), at most
///   <see cref="WebhookOptions.MaxConcurrency"/> at a time and <see cref="WebhookOptions.MaxConcurrencyPerEndpoint"/>
///   per endpoint, so a slow endpoint holds up nobody else;</item>
/// <item>records each call's outcome: Delivered, or Pending again with a backed-off time, or Failed once it is too old
///   or was tried too often. The schedule is in the database, so retries outlive restarts.</item>
/// </list>
/// It wakes when a commit on this node enqueued an event (<see cref="WebhookWakeInterceptor"/>), when a send ends, and
/// every <see cref="WebhookOptions.PollInterval"/>. Delivery is at least once: a node that dies after sending and before
/// recording sends nothing more, but the lease expires and another node sends again with the same delivery id.
/// </summary>
public sealed partial class WebhookDispatcher(
    IDbContextFactory<CommunityDbContext> dbFactory,
    WebhookSender sender,
    WebhookSignal signal,
    IOptions<WebhookOptions> options,
    TimeProvider clock,
    ILogger<WebhookDispatcher> logger) : BackgroundService
{
    private const int FanOutBatch = 100;
    private const int MaxFanOutRounds = 20;

    /// <summary>Delivery id → endpoint id of the sends in flight on this node.</summary>
    private readonly ConcurrentDictionary<long, int> _inFlight = new();
    private readonly ConcurrentDictionary<long, Task> _sends = new();

    /// <summary>This dispatcher in the leases it holds: machine, process and instance.</summary>
    public string NodeId { get; } = Truncate($"{Environment.MachineName}/{Environment.ProcessId}/{Guid.NewGuid():N}", 100);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                for (var round = 0; round < MaxFanOutRounds && await FanOutAsync(stoppingToken); round++)
                {
                }

                await StartDueAsync(stoppingToken);
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                break;
            }
            catch (Exception ex)
            {
                // The database may be away; the next round tries again.
                RoundFailed(ex);
            }

            try
            {
                await signal.WaitAsync(options.Value.PollInterval, stoppingToken);
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                break;
            }
        }

        // Sends see the same token: they stop, give their leases back, and end.
        await Task.WhenAll(_sends.Values);
    }

    /// <summary>Turns up to one batch of new events into deliveries; true when there may be more.</summary>
    internal async Task<bool> FanOutAsync(CancellationToken cancellationToken)
    {
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        var events = await db.WebhookEvents.AsNoTracking()
            .Where(e => e.FannedOutAt == null)
            .OrderBy(e => e.Id)
            .Select(e => new { e.Id, e.Type })
            .Take(FanOutBatch)
            .ToListAsync(cancellationToken);
        if (events.Count == 0)
        {
            return false;
        }

        var endpoints = await db.WebhookEndpoints.AsNoTracking()
            .Where(e => e.Active && e.DeletedAt == null)
            .ToListAsync(cancellationToken);
        var ids = events.Select(e => e.Id).ToList();
        var now = clock.GetUtcNow();
        var settings = options.Value;

        await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
        var claimed = await db.WebhookEvents
            .Where(e => ids.Contains(e.Id) && e.FannedOutAt == null)
            .ExecuteUpdateAsync(s => s.SetProperty(e => e.FannedOutAt, now), cancellationToken);
        if (claimed != ids.Count)
        {
            // Another node fanned out some of them meanwhile: read the list again.
            await transaction.RollbackAsync(cancellationToken);
            return true;
        }

        var added = 0;
        foreach (var webhookEvent in events)
        {
            foreach (var endpoint in endpoints.Where(e => e.Wants(webhookEvent.Type)))
            {
                db.WebhookDeliveries.Add(WebhookService.NewDelivery(webhookEvent.Id, endpoint.Id, now, settings));
                added++;
            }
        }

        await db.SaveChangesAsync(cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        if (added > 0)
        {
            FannedOut(events.Count, added);
        }

        return events.Count == FanOutBatch;
    }

    /// <summary>Leases due deliveries up to the free slots and starts sending them.</summary>
    internal async Task StartDueAsync(CancellationToken cancellationToken)
    {
        var settings = options.Value;
        var free = settings.MaxConcurrency - _inFlight.Count;
        if (free <= 0)
        {
            return;
        }

        var now = clock.GetUtcNow();
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        var candidates = await (
                from d in db.WebhookDeliveries
                join e in db.WebhookEndpoints on d.EndpointId equals e.Id
                where d.Status == WebhookDeliveryStatus.Pending && d.NextAttemptAt <= now
                      && (d.LockedUntil == null || d.LockedUntil < now)
                      && e.Active && e.DeletedAt == null
                orderby d.NextAttemptAt, d.Id
                select new { d.Id, d.EndpointId })
            .Take(free * 4)
            .ToListAsync(cancellationToken);

        // At most MaxConcurrencyPerEndpoint per endpoint, counting those already in flight.
        var perEndpoint = _inFlight.Values.GroupBy(e => e).ToDictionary(g => g.Key, g => g.Count());
        var picked = new List<long>();
        foreach (var candidate in candidates)
        {
            if (picked.Count == free)
            {
                break;
            }

            var busy = perEndpoint.GetValueOrDefault(candidate.EndpointId);
            if (busy < settings.MaxConcurrencyPerEndpoint && !_inFlight.ContainsKey(candidate.Id))
            {
                perEndpoint[candidate.EndpointId] = busy + 1;
                picked.Add(candidate.Id);
            }
        }

        if (picked.Count == 0)
        {
            return;
        }

        var until = DateTimeOffset.FromUnixTimeMilliseconds((now + settings.Lease).ToUnixTimeMilliseconds());
        var node = NodeId;
        await db.WebhookDeliveries
            .Where(d => picked.Contains(d.Id) && d.Status == WebhookDeliveryStatus.Pending && (d.LockedUntil == null || d.LockedUntil < now))
            .ExecuteUpdateAsync(s => s.SetProperty(d => d.LockedBy, node).SetProperty(d => d.LockedUntil, until), cancellationToken);

        // What this node won: another node may have leased some of them first.
        var work = await (
                from d in db.WebhookDeliveries
                join e in db.WebhookEvents on d.EventId equals e.Id
                join p in db.WebhookEndpoints on d.EndpointId equals p.Id
                where picked.Contains(d.Id) && d.LockedBy == node && d.LockedUntil == until
                select new WebhookWork(d.Id, d.EndpointId, p.Url, p.Secret, e.Id, e.Type, e.Payload, e.OccurredAt, d.Attempts, d.GiveUpAt, until))
            .ToListAsync(cancellationToken);

        foreach (var item in work)
        {
            _inFlight[item.DeliveryId] = item.EndpointId;
            var send = SendAsync(item, cancellationToken);
            _sends[item.DeliveryId] = send;
            _ = send.ContinueWith(
                done => _sends.TryRemove(KeyValuePair.Create(item.DeliveryId, done)),
                CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
        }
    }

    private async Task SendAsync(WebhookWork work, CancellationToken stoppingToken)
    {
        // Off the dispatcher's loop at once: the loop goes on leasing while this call waits for the endpoint.
        await Task.Yield();
        var log = new WebhookAttemptLog();
        try
        {
            var now = clock.GetUtcNow();
            if (now >= work.GiveUpAt)
            {
                await RecordAsync(work, new WebhookCallResult(false, 0, null, "Gave up: not delivered in time."), giveUp: true);
                return;
            }

            WebhookCallResult result;
            try
            {
                result = await sender.SendAsync(work, log, stoppingToken);
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                await ReleaseAsync(work, log.Attempts);
                return;
            }

            await RecordAsync(work, result, giveUp: false);
        }
        catch (Exception ex)
        {
            // Recording failed (the database went away): the lease runs out and a node sends it again.
            RecordFailed(ex, work.DeliveryId);
        }
        finally
        {
            _inFlight.TryRemove(work.DeliveryId, out _);
            signal.Wake();
        }
    }

    private async Task RecordAsync(WebhookWork work, WebhookCallResult result, bool giveUp)
    {
        var settings = options.Value;
        var now = clock.GetUtcNow();
        var attempts = work.Attempts + result.Attempts;
        var status = WebhookDeliveryStatus.Delivered;
        var next = now;
        if (!result.Delivered)
        {
            next = now + Backoff(attempts, settings);
            status = giveUp || attempts >= settings.MaxAttempts || next > work.GiveUpAt
                ? WebhookDeliveryStatus.Failed
                : WebhookDeliveryStatus.Pending;
        }

        var error = result.Error is { Length: > WebhookDelivery.MaxErrorLength } text ? text[..WebhookDelivery.MaxErrorLength] : result.Error;
        var node = NodeId;
        await using var db = await dbFactory.CreateDbContextAsync(CancellationToken.None);
        await db.WebhookDeliveries
            .Where(d => d.Id == work.DeliveryId && d.LockedBy == node && d.LockedUntil == work.LeaseUntil)
            .ExecuteUpdateAsync(s =>
            {
                s.SetProperty(d => d.Status, status)
                    .SetProperty(d => d.Attempts, attempts)
                    .SetProperty(d => d.LastStatusCode, result.StatusCode)
                    .SetProperty(d => d.LastError, error)
                    .SetProperty(d => d.NextAttemptAt, next)
                    .SetProperty(d => d.LockedBy, (string?)null)
                    .SetProperty(d => d.LockedUntil, (DateTimeOffset?)null);
                if (result.Attempts > 0)
                {
                    s.SetProperty(d => d.LastAttemptAt, now);
                }

                if (result.Delivered)
                {
                    s.SetProperty(d => d.DeliveredAt, now);
                }
            });
        if (status == WebhookDeliveryStatus.Failed)
        {
            GaveUp(work.DeliveryId, work.EndpointId, attempts);
        }
    }

    /// <summary>Shutting down mid-call: the delivery stays due, and any node may take it at once.</summary>
    private async Task ReleaseAsync(WebhookWork work, int attempts)
    {
        var node = NodeId;
        var total = work.Attempts + attempts;
        await using var db = await dbFactory.CreateDbContextAsync(CancellationToken.None);
        await db.WebhookDeliveries
            .Where(d => d.Id == work.DeliveryId && d.LockedBy == node && d.LockedUntil == work.LeaseUntil)
            .ExecuteUpdateAsync(s => s
                .SetProperty(d => d.Attempts, total)
                .SetProperty(d => d.LockedBy, (string?)null)
                .SetProperty(d => d.LockedUntil, (DateTimeOffset?)null));
    }

    /// <summary>
    /// The wait before the next durable try, after a call whose in-call retries all failed: <see cref="WebhookOptions.Backoff"/>
    /// doubled for each earlier call, capped at <see cref="WebhookOptions.MaxBackoff"/>, and drawn between half and all
    /// of that ("equal jitter") so that the deliveries of one outage do not all come back at once. Polly's backoff lives
    /// inside one call; this schedule has to be in the database to outlive a restart, so it is computed here.
    /// </summary>
    internal static TimeSpan Backoff(int attempts, WebhookOptions settings)
    {
        var calls = Math.Max(1, (attempts + settings.RetriesPerAttempt) / (settings.RetriesPerAttempt + 1));
        var exponential = settings.Backoff.TotalMilliseconds * Math.Pow(2, Math.Min(calls - 1, 30));
        var capped = Math.Min(exponential, settings.MaxBackoff.TotalMilliseconds);
        return TimeSpan.FromMilliseconds(capped / 2 + Random.Shared.NextDouble() * capped / 2);
    }

    private static string Truncate(string text, int length) => text.Length <= length ? text : text[^length..];

    [LoggerMessage(Level = LogLevel.Warning, Message = "A webhook dispatch round failed; the next one tries again")]
    private partial void RoundFailed(Exception exception);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Recording the outcome of webhook delivery {DeliveryId} failed; its lease will expire and it is sent again")]
    private partial void RecordFailed(Exception exception, long deliveryId);

    [LoggerMessage(Level = LogLevel.Debug, Message = "Fanned out {Events} webhook events into {Deliveries} deliveries")]
    private partial void FannedOut(int events, int deliveries);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Gave up webhook delivery {DeliveryId} to endpoint {EndpointId} after {Attempts} attempts")]
    private partial void GaveUp(long deliveryId, int endpointId, int attempts);
}
