using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using SupportCommunity.Data;
using SupportCommunity.Identity;
using SupportCommunity.Webhooks;

namespace SupportCommunity.Core.Tests.Webhooks;

/// <summary>
/// One app node as far as webhooks go: a real host (so the dispatcher runs as the app runs it) with the Core services
/// over a shared SQLite file. Several nodes over one file are several nodes over one database.
/// </summary>
public sealed class WebhookNode : IAsyncDisposable
{
    /// <summary>Fast and permissive settings for tests: loopback receivers, short timeouts and backoffs.</summary>
    public static Dictionary<string, string?> TestSettings() => new()
    {
        ["Webhooks:AllowPrivateAddresses"] = "true",
        ["Webhooks:PollInterval"] = "00:00:00.200",
        ["Webhooks:AttemptTimeout"] = "00:00:02",
        ["Webhooks:TotalTimeout"] = "00:00:05",
        ["Webhooks:RetriesPerAttempt"] = "1",
        ["Webhooks:RetryDelay"] = "00:00:00.050",
        ["Webhooks:Backoff"] = "00:00:00.100",
        ["Webhooks:MaxBackoff"] = "00:00:00.200",
    };

    public static readonly Actor Admin = new("webhook-test-admin", "Ada Admin", new HashSet<string> { CommunityRoles.Admin });

    private readonly IHost _host;

    private WebhookNode(IHost host) => _host = host;

    public IServiceProvider Services => _host.Services;

    public T Get<T>() where T : notnull => _host.Services.GetRequiredService<T>();

    public WebhookService Webhooks => Get<WebhookService>();

    /// <summary>Starts a node over an already migrated database file.</summary>
    public static async Task<WebhookNode> StartAsync(string databasePath, IDictionary<string, string?>? settings = null)
    {
        var builder = Host.CreateEmptyApplicationBuilder(new HostApplicationBuilderSettings());
        builder.Configuration.AddInMemoryCollection(settings ?? TestSettings());
        builder.Services.AddLogging();
        builder.Services.AddDbContextFactory<CommunityDbContext>(db => db.UseSqlite(
            $"Data Source={databasePath}", sqlite => sqlite.MigrationsAssembly("SupportCommunity.Migrations.Sqlite")));
        builder.Services.AddCommunityCore(builder.Configuration);
        var host = builder.Build();
        await host.StartAsync();
        return new WebhookNode(host);
    }

    public Task<CommunityDbContext> CreateDbContextAsync() =>
        Get<IDbContextFactory<CommunityDbContext>>().CreateDbContextAsync();

    /// <summary>What a ticket change does: the event in the change's own SaveChanges.</summary>
    public async Task<long> EnqueueAsync(string type, object payload)
    {
        await using var db = await CreateDbContextAsync();
        var webhookEvent = WebhookOutbox.Enqueue(db, type, payload, DateTimeOffset.UtcNow);
        await db.SaveChangesAsync();
        return webhookEvent.Id;
    }

    public async Task<WebhookDelivery> DeliveryAsync(long eventId, int endpointId)
    {
        await using var db = await CreateDbContextAsync();
        return await db.WebhookDeliveries.AsNoTracking().SingleAsync(d => d.EventId == eventId && d.EndpointId == endpointId);
    }

    /// <summary>Waits for the stored delivery to satisfy <paramref name="condition"/>, reading it again every 50 ms.</summary>
    public async Task<WebhookDelivery> WaitForDeliveryAsync(long eventId, int endpointId, Func<WebhookDelivery, bool> condition, TimeSpan timeout)
    {
        using var deadline = new CancellationTokenSource(timeout);
        while (true)
        {
            await using (var db = await CreateDbContextAsync())
            {
                var delivery = await db.WebhookDeliveries.AsNoTracking()
                    .SingleOrDefaultAsync(d => d.EventId == eventId && d.EndpointId == endpointId, CancellationToken.None);
                if (delivery is not null && condition(delivery))
                {
                    return delivery;
                }

                if (deadline.IsCancellationRequested)
                {
                    throw new TimeoutException($"Delivery of event {eventId} to endpoint {endpointId} never met the condition; last: "
                        + (delivery is null ? "none" : $"{delivery.Status}, {delivery.Attempts} attempts, {delivery.LastError}"));
                }
            }

            try
            {
                await Task.Delay(50, deadline.Token);
            }
            catch (OperationCanceledException)
            {
                // One last read above.
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _host.StopAsync();
        _host.Dispose();
    }
}
