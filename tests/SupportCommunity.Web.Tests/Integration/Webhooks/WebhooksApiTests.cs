using System.Net;
using System.Net.Http.Json;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using SupportCommunity.Data;
using SupportCommunity.Webhooks;
using static SupportCommunity.Web.Tests.Integration.Accounts;

namespace SupportCommunity.Web.Tests.Integration.Webhooks;

/// <summary>
/// The webhooks REST API: who may call it, and an admin's whole round over REST to a real receiver on a loopback port
/// (this app allows private addresses; every URL here is on this machine).
/// </summary>
public sealed class WebhooksApiTests(WebhookAppFactory app) : IClassFixture<WebhookAppFactory>
{
    /// <summary>The discard port: nothing listens, so test events queued here fail at once and stay on this machine.</summary>
    private const string ClosedUrl = "http://127.0.0.1:9/hooks";

    private static readonly string[] TicketCreated = [WebhookEventTypes.TicketCreated];

    public static TheoryData<string> NonAdmins => [Manager, Agent, Moderator, Member, Customer];

    /// <summary>Every route of the API, with a body where it takes one.</summary>
    private static IEnumerable<(HttpMethod Method, string Path, object? Body)> Routes(int endpointId, long deliveryId) =>
    [
        (HttpMethod.Get, "/api/webhooks", null),
        (HttpMethod.Post, "/api/webhooks", new { url = ClosedUrl, events = WebhookEventTypes.All }),
        (HttpMethod.Patch, $"/api/webhooks/{endpointId}", new { active = false }),
        (HttpMethod.Delete, $"/api/webhooks/{endpointId}", null),
        (HttpMethod.Post, $"/api/webhooks/{endpointId}/rotate-secret", null),
        (HttpMethod.Post, $"/api/webhooks/{endpointId}/test", null),
        (HttpMethod.Get, $"/api/webhooks/deliveries?endpointId={endpointId}&status=pending", null),
        (HttpMethod.Post, $"/api/webhooks/deliveries/{deliveryId}/redeliver", null),
    ];

    [Theory]
    [MemberData(nameof(NonAdmins))]
    public async Task EveryRoute_RefusesNonAdminsWith403_AndChangesNothing(string account)
    {
        var (endpointId, deliveryId) = await SeedAsync();
        var before = await SnapshotAsync();
        using var client = await app.CreateApiClientAsync(account);

        foreach (var (method, path, body) in Routes(endpointId, deliveryId))
        {
            using var request = new HttpRequestMessage(method, path) { Content = body is null ? null : JsonContent.Create(body) };
            using var response = await client.SendAsync(request);
            var problem = await response.ReadProblemAsync(HttpStatusCode.Forbidden);
            Assert.Equal("Only admins can manage webhooks.", problem.Detail);
        }

        Assert.Equal(before, await SnapshotAsync());
    }

    [Fact]
    public async Task EveryRoute_RefusesAnonymousCallersWith401()
    {
        var (endpointId, deliveryId) = await SeedAsync();
        using var client = app.CreateClient();

        foreach (var (method, path, body) in Routes(endpointId, deliveryId))
        {
            using var request = new HttpRequestMessage(method, path) { Content = body is null ? null : JsonContent.Create(body) };
            using var response = await client.SendAsync(request);
            Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        }
    }

    [Fact]
    public async Task Admin_AddsAnEndpointOverRest_SendsATestEvent_AndTheReceiverVerifiesItWithTheSecretShownOnce()
    {
        await using var receiver = await WebhookReceiver.StartAsync();
        using var admin = await app.CreateApiClientAsync(Admin);

        using var created = await admin.PostAsJsonAsync("/api/webhooks", new { url = receiver.Url, events = TicketCreated });
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        var endpoint = await created.Content.ReadFromJsonAsync<WebhookEndpointSecret>();
        using var test = await admin.PostAsync($"/api/webhooks/{endpoint!.Endpoint.Id}/test", null);
        Assert.Equal(HttpStatusCode.Accepted, test.StatusCode);
        var queued = await test.Content.ReadFromJsonAsync<WebhookDeliveryDto>();

        await receiver.WaitUntilAsync(r => r.Count >= 1, CommunityAppFactory.Timeout);
        var request = receiver.Received[0];
        Assert.Equal(queued!.Id.ToString(System.Globalization.CultureInfo.InvariantCulture), request.DeliveryId);
        Assert.Equal("webhook.ping", request.EventType);
        Assert.True(WebhookSignature.Verify(endpoint.Secret, request.Signature, request.Body, DateTimeOffset.UtcNow, TimeSpan.FromMinutes(5)));
        Assert.False(WebhookSignature.Verify(WebhookSignature.NewSecret(), request.Signature, request.Body, DateTimeOffset.UtcNow, TimeSpan.FromMinutes(5)));

        var page = await WaitForLogAsync(admin, endpoint.Endpoint.Id, "delivered");
        var logged = Assert.Single(page.Items);
        Assert.Equal((queued.Id, 1, 200), (logged.Id, logged.Attempts, logged.LastStatusCode));

        using var redeliver = await admin.PostAsync($"/api/webhooks/deliveries/{queued.Id}/redeliver", null);
        Assert.Equal(HttpStatusCode.Accepted, redeliver.StatusCode);
        await receiver.WaitUntilAsync(r => r.Count >= 2, CommunityAppFactory.Timeout);
        Assert.Equal(request.DeliveryId, receiver.Received[1].DeliveryId);
        await WaitForLogAsync(admin, endpoint.Endpoint.Id, "delivered");
    }

    [Fact]
    public async Task EventEnqueuedThroughTheAppsPooledContexts_WakesTheDispatcherAtCommit()
    {
        await using var receiver = await WebhookReceiver.StartAsync();
        using var admin = await app.CreateApiClientAsync(Admin);
        using var created = await admin.PostAsJsonAsync("/api/webhooks", new { url = receiver.Url, events = TicketCreated });
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        var endpoint = await created.Content.ReadFromJsonAsync<WebhookEndpointSecret>();

        // What a ticket service does: the event in the same SaveChanges as its change, from the app's context pool.
        await using (var db = await app.Services.GetRequiredService<IDbContextFactory<CommunityDbContext>>().CreateDbContextAsync())
        {
            WebhookOutbox.Enqueue(db, WebhookEventTypes.TicketCreated, new { ticketId = 77 }, DateTimeOffset.UtcNow);
            await db.SaveChangesAsync();
        }

        // Far below the one-minute poll.
        await receiver.WaitUntilAsync(r => r.Count >= 1, CommunityAppFactory.Timeout);
        Assert.Equal("ticket.created", receiver.Received[0].EventType);
        // Recorded before the test ends, so no later test sees it change.
        await WaitForLogAsync(admin, endpoint!.Endpoint.Id, "delivered");
    }

    private static async Task<WebhookDeliveryPage> WaitForLogAsync(HttpClient admin, int endpointId, string status)
    {
        // The delivery log raises no event: re-read it until it holds the delivery (the shared deadline-bounded re-check).
        WebhookDeliveryPage? page = null;
        await SupportCommunity.Web.Tests.ScaleOut.Eventually.HoldsAsync(
            async () => (page = await admin.GetFromJsonAsync<WebhookDeliveryPage>($"/api/webhooks/deliveries?endpointId={endpointId}&status={status}")) is { Items.Count: > 0 },
            CommunityAppFactory.Timeout,
            $"the delivery log shows a {status} delivery");
        return page!;
    }

    /// <summary>
    /// An endpoint and a pending delivery, stored directly. The endpoint is disabled, so the dispatcher leaves both
    /// alone and any change would come from the calls under test.
    /// </summary>
    private async Task<(int EndpointId, long DeliveryId)> SeedAsync()
    {
        await using var db = await app.Services.GetRequiredService<IDbContextFactory<CommunityDbContext>>().CreateDbContextAsync();
        var now = DateTimeOffset.UtcNow;
        var endpoint = new WebhookEndpoint
        {
            Url = ClosedUrl, Secret = WebhookSignature.NewSecret(), Events = string.Join(',', WebhookEventTypes.All), Active = false,
            CreatedAt = now, CreatedById = "seed", CreatedByName = "Seed",
        };
        var ping = new WebhookEvent { Type = WebhookEventTypes.Ping, Payload = "{}", OccurredAt = now, FannedOutAt = now };
        db.AddRange(endpoint, ping);
        await db.SaveChangesAsync();
        var delivery = new WebhookDelivery
        {
            EventId = ping.Id, EndpointId = endpoint.Id, Status = WebhookDeliveryStatus.Failed, Attempts = 3,
            CreatedAt = now, NextAttemptAt = now, GiveUpAt = now.AddDays(1), LastError = "The endpoint answered 500.",
        };
        db.WebhookDeliveries.Add(delivery);
        await db.SaveChangesAsync();
        return (endpoint.Id, delivery.Id);
    }

    private async Task<string> SnapshotAsync()
    {
        await using var db = await app.Services.GetRequiredService<IDbContextFactory<CommunityDbContext>>().CreateDbContextAsync();
        var endpoints = await db.WebhookEndpoints.AsNoTracking().OrderBy(e => e.Id)
            .Select(e => $"{e.Id}:{e.Url}:{e.Secret}:{e.Events}:{e.Active}:{e.DeletedAt}").ToListAsync();
        var deliveries = await db.WebhookDeliveries.AsNoTracking().OrderBy(d => d.Id).Select(d => $"{d.Id}:{d.Status}:{d.Attempts}").ToListAsync();
        var events = await db.WebhookEvents.CountAsync();
        var audit = await db.AuditEntries.CountAsync();
        return $"{string.Join('|', endpoints)} / {string.Join('|', deliveries)} / {events} / {audit}";
    }
}

