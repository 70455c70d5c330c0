using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using SupportCommunity.Testing;
using SupportCommunity.Webhooks;

namespace SupportCommunity.Core.Tests.Webhooks;

/// <summary>
/// Webhook delivery end to end: real hosts running the dispatcher over a SQLite file, and real HTTP receivers on
/// loopback ports. Backoffs and timeouts are configured short (<see cref="WebhookNode.TestSettings"/>).
/// </summary>
public sealed class WebhookDeliveryTests(MigratedDatabaseTemplate template) : IAsyncLifetime, IClassFixture<MigratedDatabaseTemplate>
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(10);

    private readonly string _folder = Path.Combine(
        Environment.GetEnvironmentVariable("SUPPORTCOMMUNITY_TEST_TMP") ?? Path.GetTempPath(),
        "webhook-tests-" + Guid.NewGuid().ToString("N"));

    private readonly List<IAsyncDisposable> _cleanup = [];

    private string DatabasePath => Path.Combine(_folder, "community.db");

    public Task InitializeAsync()
    {
        Directory.CreateDirectory(_folder);
        File.Copy(template.Path, DatabasePath);
        return Task.CompletedTask;
    }

    public async Task DisposeAsync()
    {
        for (var i = _cleanup.Count - 1; i >= 0; i--)
        {
            await _cleanup[i].DisposeAsync();
        }

        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        try
        {
            Directory.Delete(_folder, recursive: true);
        }
        catch (IOException)
        {
            // A straggling handle; the test script removes its temp folder.
        }
    }

    [Fact]
    public async Task Delivery_IsSignedWithTheEndpointSecret_AndAWrongSecretDoesNotVerify()
    {
        // A long poll interval: only the wake after commit can deliver within the timeout.
        var settings = WebhookNode.TestSettings();
        settings["Webhooks:PollInterval"] = "00:01:00";
        var node = await StartNodeAsync(settings);
        var receiver = await StartReceiverAsync();
        var created = await node.Webhooks.CreateAsync(WebhookNode.Admin, new(receiver.Url, [WebhookEventTypes.TicketCreated]));

        var eventId = await node.EnqueueAsync(WebhookEventTypes.TicketCreated, new { ticketId = 123, subject = "Refund for a double charge" });

        await receiver.WaitUntilAsync(r => r.Count == 1, Timeout);
        var request = Assert.Single(receiver.Received);
        var delivery = await node.DeliveryAsync(eventId, created.Endpoint.Id);
        Assert.Equal(delivery.Id.ToString(CultureInfo.InvariantCulture), request.DeliveryId);
        Assert.Equal(WebhookEventTypes.TicketCreated, request.EventType);

        // The documented algorithm, computed here by hand: HMAC-SHA256(secret, "{t}.{body}") in lowercase hex.
        byte[] signed = [.. Encoding.UTF8.GetBytes(request.Timestamp + "."), .. request.Body];
        var expected = Convert.ToHexStringLower(HMACSHA256.HashData(Encoding.UTF8.GetBytes(created.Secret), signed));
        Assert.Equal($"t={request.Timestamp},v1={expected}", request.Signature);
        Assert.True(WebhookSignature.Verify(created.Secret, request.Signature, request.Body, DateTimeOffset.UtcNow, TimeSpan.FromMinutes(5)));
        Assert.False(WebhookSignature.Verify(WebhookSignature.NewSecret(), request.Signature, request.Body, DateTimeOffset.UtcNow, TimeSpan.FromMinutes(5)));
        byte[] tampered = [.. request.Body[..^1], (byte)' '];
        Assert.False(WebhookSignature.Verify(created.Secret, request.Signature, tampered, DateTimeOffset.UtcNow, TimeSpan.FromMinutes(5)));
        Assert.False(WebhookSignature.Verify(created.Secret, request.Signature, request.Body, DateTimeOffset.UtcNow.AddMinutes(10), TimeSpan.FromMinutes(5)));

        using var json = JsonDocument.Parse(request.Body);
        Assert.Equal(eventId, json.RootElement.GetProperty("id").GetInt64());
        Assert.Equal("ticket.created", json.RootElement.GetProperty("type").GetString());
        Assert.True(json.RootElement.TryGetProperty("occurredAt", out _));
        Assert.Equal(123, json.RootElement.GetProperty("data").GetProperty("ticketId").GetInt32());

        var stored = await node.WaitForDeliveryAsync(eventId, created.Endpoint.Id, d => d.Status == WebhookDeliveryStatus.Delivered, Timeout);
        Assert.Equal(1, stored.Attempts);
        Assert.Equal(200, stored.LastStatusCode);
        Assert.Null(stored.LockedBy);
    }

    [Fact]
    public async Task EventEnqueuedInAnExplicitTransaction_IsSentAfterCommit_AndARolledBackOneNever()
    {
        // A long poll interval: only the wake after commit can deliver within the timeout.
        var settings = WebhookNode.TestSettings();
        settings["Webhooks:PollInterval"] = "00:01:00";
        var node = await StartNodeAsync(settings);
        var receiver = await StartReceiverAsync();
        await node.Webhooks.CreateAsync(WebhookNode.Admin, new(receiver.Url, WebhookEventTypes.All));

        await using (var db = await node.CreateDbContextAsync())
        {
            await using var rolledBack = await db.Database.BeginTransactionAsync();
            WebhookOutbox.Enqueue(db, WebhookEventTypes.TicketCreated, new { ticketId = 1 }, DateTimeOffset.UtcNow);
            await db.SaveChangesAsync();
            await rolledBack.RollbackAsync();
        }

        long committedId;
        await using (var db = await node.CreateDbContextAsync())
        {
            await using var transaction = await db.Database.BeginTransactionAsync();
            committedId = WebhookOutbox.Enqueue(db, WebhookEventTypes.TicketCreated, new { ticketId = 2 }, DateTimeOffset.UtcNow).Id;
            await db.SaveChangesAsync();
            committedId = (await db.WebhookEvents.OrderBy(e => e.Id).LastAsync()).Id;
            await transaction.CommitAsync();
        }

        await receiver.WaitUntilAsync(r => r.Count == 1, Timeout);
        using var json = JsonDocument.Parse(receiver.Received[0].Body);
        Assert.Equal(committedId, json.RootElement.GetProperty("id").GetInt64());
        Assert.Equal(2, json.RootElement.GetProperty("data").GetProperty("ticketId").GetInt32());
        await using var check = await node.CreateDbContextAsync();
        Assert.Equal(1, await check.WebhookEvents.CountAsync());
    }

    [Fact]
    public async Task ReceiverFailingAtFirst_GetsEachEventOnceAnsweredOk_AfterRetries()
    {
        var node = await StartNodeAsync();
        var receiver = await StartReceiverAsync();
        // Three 500s: the first call's request and its in-call retry, then the durable retry's first request.
        receiver.Respond = (_, index, _) => Task.FromResult(index < 3 ? 500 : 200);
        var endpoint = (await node.Webhooks.CreateAsync(WebhookNode.Admin, new(receiver.Url, [WebhookEventTypes.TicketUpdated]))).Endpoint;

        var eventId = await node.EnqueueAsync(WebhookEventTypes.TicketUpdated, new { ticketId = 5, status = "Open" });

        var delivered = await node.WaitForDeliveryAsync(eventId, endpoint.Id, d => d.Status == WebhookDeliveryStatus.Delivered, Timeout);
        var id = delivered.Id.ToString(CultureInfo.InvariantCulture);
        // A later event delivered proves the dispatcher moved on: nothing more of the first one can be in flight.
        var later = await node.EnqueueAsync(WebhookEventTypes.TicketUpdated, new { ticketId = 6, status = "Open" });
        await node.WaitForDeliveryAsync(later, endpoint.Id, d => d.Status == WebhookDeliveryStatus.Delivered, Timeout);

        Assert.Equal(1, receiver.AnsweredOk(id));
        Assert.Equal(4, receiver.Received.Count(r => r.DeliveryId == id));
        Assert.All(receiver.Received.Where(r => r.DeliveryId == id), r => Assert.Equal(id, r.DeliveryId));
        Assert.Equal(4, delivered.Attempts);
        Assert.Equal(200, delivered.LastStatusCode);
        Assert.NotNull(delivered.DeliveredAt);
    }

    [Fact]
    public async Task SlowReceiver_DoesNotDelayDeliveriesToAHealthyOne()
    {
        var settings = WebhookNode.TestSettings();
        settings["Webhooks:AttemptTimeout"] = "00:00:20";
        settings["Webhooks:TotalTimeout"] = "00:00:45";
        var node = await StartNodeAsync(settings);
        var slow = await StartReceiverAsync();
        var healthy = await StartReceiverAsync();
        var slowHit = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        slow.Respond = async (_, _, context) =>
        {
            slowHit.TrySetResult();
            // Hangs until the caller gives up (or the test ends).
            await Task.Delay(System.Threading.Timeout.Infinite, context.RequestAborted);
            return 200;
        };
        // The slow endpoint first, so its deliveries come first in the due list.
        await node.Webhooks.CreateAsync(WebhookNode.Admin, new(slow.Url, WebhookEventTypes.All));
        await node.Webhooks.CreateAsync(WebhookNode.Admin, new(healthy.Url, WebhookEventTypes.All));

        // More deliveries to the slow endpoint than the node has slots (8): only the per-endpoint cap keeps slots free.
        for (var i = 0; i < 12; i++)
        {
            await node.EnqueueAsync(WebhookEventTypes.TicketCreated, new { ticketId = i });
        }

        // Far below the slow receiver's hang (20 s per attempt).
        await slowHit.Task.WaitAsync(Timeout);
        await healthy.WaitUntilAsync(r => r.Count(x => x.Status == 200) == 12, TimeSpan.FromSeconds(4));
    }

    [Fact]
    public async Task PendingDelivery_IsSentByANewHostAfterARestart_WithTheSameDeliveryId()
    {
        var settings = WebhookNode.TestSettings();
        settings["Webhooks:Backoff"] = "00:00:02";
        settings["Webhooks:MaxBackoff"] = "00:00:02";
        var first = await StartNodeAsync(settings);
        var receiver = await StartReceiverAsync();
        receiver.Respond = (_, _, _) => Task.FromResult(503);
        var endpoint = (await first.Webhooks.CreateAsync(WebhookNode.Admin, new(receiver.Url, [WebhookEventTypes.TicketSolved]))).Endpoint;

        var eventId = await first.EnqueueAsync(WebhookEventTypes.TicketSolved, new { ticketId = 9 });
        var failed = await first.WaitForDeliveryAsync(eventId, endpoint.Id, d => d.Attempts >= 2 && d.LockedBy == null, Timeout);
        Assert.Equal(WebhookDeliveryStatus.Pending, failed.Status);
        Assert.Equal(503, failed.LastStatusCode);
        Assert.Equal("The endpoint answered 503.", failed.LastError);
        Assert.True(failed.NextAttemptAt > failed.LastAttemptAt);
        await StopAsync(first);

        receiver.Respond = (_, _, _) => Task.FromResult(200);
        var second = await StartNodeAsync(settings);

        var delivered = await second.WaitForDeliveryAsync(eventId, endpoint.Id, d => d.Status == WebhookDeliveryStatus.Delivered, Timeout);
        var id = delivered.Id.ToString(CultureInfo.InvariantCulture);
        Assert.Equal(1, receiver.AnsweredOk(id));
        Assert.All(receiver.Received, r => Assert.Equal(id, r.DeliveryId));
        Assert.True(delivered.Attempts >= 3);
    }

    [Fact]
    public async Task NodeStoppedMidSend_GivesItsLeaseBack_SoTheNextNodeSendsAtOnce()
    {
        var settings = WebhookNode.TestSettings();
        settings["Webhooks:AttemptTimeout"] = "00:00:20";
        settings["Webhooks:TotalTimeout"] = "00:00:45";
        var first = await StartNodeAsync(settings);
        var receiver = await StartReceiverAsync();
        var hanging = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        receiver.Respond = async (_, _, context) =>
        {
            hanging.TrySetResult();
            await Task.Delay(System.Threading.Timeout.Infinite, context.RequestAborted);
            return 200;
        };
        var endpoint = (await first.Webhooks.CreateAsync(WebhookNode.Admin, new(receiver.Url, WebhookEventTypes.All))).Endpoint;
        var eventId = await first.EnqueueAsync(WebhookEventTypes.TicketUpdated, new { ticketId = 3 });
        await hanging.Task.WaitAsync(Timeout);

        await StopAsync(first);

        // The lease (75 s here) was given back on the way out, not left to expire.
        WebhookDelivery released;
        await using (var db = OpenDatabase())
        {
            released = await db.WebhookDeliveries.AsNoTracking().SingleAsync(d => d.EventId == eventId);
        }

        Assert.Equal((WebhookDeliveryStatus.Pending, null, null), (released.Status, released.LockedBy, released.LockedUntil));
        receiver.Respond = (_, _, _) => Task.FromResult(200);
        var second = await StartNodeAsync(settings);
        var delivered = await second.WaitForDeliveryAsync(eventId, endpoint.Id, d => d.Status == WebhookDeliveryStatus.Delivered, Timeout);
        Assert.Equal(1, receiver.AnsweredOk(delivered.Id.ToString(CultureInfo.InvariantCulture)));
    }

    [Fact]
    public async Task TwoDispatchersOnOneDatabase_DeliverEachEventOnce()
    {
        var a = await StartNodeAsync();
        var b = await StartNodeAsync();
        var receiver = await StartReceiverAsync();
        receiver.Respond = async (_, _, _) =>
        {
            // A receiver that takes its time: the slowness is part of the scenario (both dispatchers overlap), not a wait.
            await Task.Delay(Random.Shared.Next(5, 30));
            return 200;
        };
        await a.Webhooks.CreateAsync(WebhookNode.Admin, new(receiver.Url, WebhookEventTypes.All));

        const int events = 40;
        for (var i = 0; i < events; i++)
        {
            await (i % 2 == 0 ? a : b).EnqueueAsync(WebhookEventTypes.TicketUpdated, new { ticketId = i });
        }

        await receiver.WaitUntilAsync(r => r.Select(x => x.DeliveryId).Distinct().Count() == events, Timeout);
        await using var db = await a.CreateDbContextAsync();
        var deliveries = await db.WebhookDeliveries.AsNoTracking().ToListAsync();
        Assert.Equal(events, deliveries.Count);
        var done = await a.WaitForDeliveryAsync(deliveries.Max(d => d.EventId), deliveries[0].EndpointId, d => d.Status == WebhookDeliveryStatus.Delivered, Timeout);
        Assert.NotNull(done);
        Assert.Equal(events, receiver.Received.Count);
        Assert.All(receiver.Received.GroupBy(r => r.DeliveryId), g => Assert.Single(g));
    }

    [Fact]
    public async Task EndpointThatNowResolvesToAPrivateAddress_IsRefusedWhenConnecting()
    {
        var settings = WebhookNode.TestSettings();
        settings["Webhooks:AllowPrivateAddresses"] = "false";
        var node = await StartNodeAsync(settings);
        var receiver = await StartReceiverAsync();
        int endpointId;
        await using (var db = await node.CreateDbContextAsync())
        {
            // As if the name had resolved to a public address when saved, and to loopback now (DNS rebinding).
            var endpoint = new WebhookEndpoint
            {
                Url = receiver.Url, Secret = WebhookSignature.NewSecret(), Events = WebhookEventTypes.TicketCreated,
                CreatedAt = DateTimeOffset.UtcNow, CreatedById = "x", CreatedByName = "x",
            };
            db.WebhookEndpoints.Add(endpoint);
            await db.SaveChangesAsync();
            endpointId = endpoint.Id;
        }

        var eventId = await node.EnqueueAsync(WebhookEventTypes.TicketCreated, new { ticketId = 1 });

        var refused = await node.WaitForDeliveryAsync(eventId, endpointId, d => d.LastError is not null, Timeout);
        Assert.Equal("Refused: the host resolves to a private or local address.", refused.LastError);
        Assert.Equal(1, refused.Attempts);
        Assert.Empty(receiver.Received);
    }

    [Fact]
    public async Task TestEvent_GoesToThatEndpointOnly_AndRedeliverSendsTheSameDeliveryAgain()
    {
        var node = await StartNodeAsync();
        var target = await StartReceiverAsync();
        var other = await StartReceiverAsync();
        var endpoint = (await node.Webhooks.CreateAsync(WebhookNode.Admin, new(target.Url, [WebhookEventTypes.TicketCreated]))).Endpoint;
        await node.Webhooks.CreateAsync(WebhookNode.Admin, new(other.Url, WebhookEventTypes.All));

        var ping = await node.Webhooks.SendTestAsync(WebhookNode.Admin, endpoint.Id);

        await target.WaitUntilAsync(r => r.Count == 1, Timeout);
        Assert.Equal(WebhookEventTypes.Ping, target.Received[0].EventType);
        await node.WaitForDeliveryAsync(ping.EventId, endpoint.Id, d => d.Status == WebhookDeliveryStatus.Delivered, Timeout);

        var again = await node.Webhooks.RedeliverAsync(WebhookNode.Admin, ping.Id);
        Assert.Equal("pending", again.Status);
        await target.WaitUntilAsync(r => r.Count == 2, Timeout);
        Assert.Equal(target.Received[0].DeliveryId, target.Received[1].DeliveryId);
        Assert.Empty(other.Received);
        var page = await node.Webhooks.ListDeliveriesAsync(WebhookNode.Admin, endpoint.Id, null, null, null);
        Assert.Equal(ping.Id, Assert.Single(page.Items).Id);
    }

    [Fact]
    public async Task DeletedEndpoint_GetsNothingMore_AndItsPendingDeliveriesFail()
    {
        var node = await StartNodeAsync();
        var receiver = await StartReceiverAsync();
        receiver.Respond = (_, _, _) => Task.FromResult(500);
        var endpoint = (await node.Webhooks.CreateAsync(WebhookNode.Admin, new(receiver.Url, WebhookEventTypes.All))).Endpoint;
        var eventId = await node.EnqueueAsync(WebhookEventTypes.TicketCreated, new { ticketId = 1 });
        await node.WaitForDeliveryAsync(eventId, endpoint.Id, d => d.Attempts >= 2, Timeout);

        await node.Webhooks.DeleteAsync(WebhookNode.Admin, endpoint.Id);

        var failed = await node.WaitForDeliveryAsync(eventId, endpoint.Id, d => d.Status == WebhookDeliveryStatus.Failed, Timeout);
        Assert.Equal("The endpoint was deleted.", failed.LastError);
        Assert.Empty(await node.Webhooks.ListAsync(WebhookNode.Admin));
        // The log stays readable.
        Assert.Single((await node.Webhooks.ListDeliveriesAsync(WebhookNode.Admin, endpoint.Id, "failed", null, null)).Items);
    }

    /// <summary>The test's database without any node running.</summary>
    private SupportCommunity.Data.CommunityDbContext OpenDatabase() => new(
        new DbContextOptionsBuilder<SupportCommunity.Data.CommunityDbContext>().UseSqlite($"Data Source={DatabasePath}").Options);

    private async Task<WebhookNode> StartNodeAsync(Dictionary<string, string?>? settings = null)
    {
        var node = await WebhookNode.StartAsync(DatabasePath, settings);
        _cleanup.Add(node);
        return node;
    }

    private async Task StopAsync(WebhookNode node)
    {
        _cleanup.Remove(node);
        await node.DisposeAsync();
    }

    private async Task<WebhookReceiver> StartReceiverAsync()
    {
        var receiver = await WebhookReceiver.StartAsync();
        _cleanup.Add(receiver);
        return receiver;
    }
}

/// <summary>One migrated SQLite file per test class; each test starts from a copy of it.</summary>
public sealed class MigratedDatabaseTemplate : IAsyncLifetime
{
    private readonly string _folder = System.IO.Path.Combine(
        Environment.GetEnvironmentVariable("SUPPORTCOMMUNITY_TEST_TMP") ?? System.IO.Path.GetTempPath(),
        "webhook-template-" + Guid.NewGuid().ToString("N"));

    public string Path => System.IO.Path.Combine(_folder, "template.db");

    public async Task InitializeAsync()
    {
        Directory.CreateDirectory(_folder);
        var options = new DbContextOptionsBuilder<SupportCommunity.Data.CommunityDbContext>()
            .UseSqlite($"Data Source={Path}", sqlite => sqlite.MigrationsAssembly("SupportCommunity.Migrations.Sqlite"))
            .Options;
        await using (var db = new SupportCommunity.Data.CommunityDbContext(options))
        {
            await db.Database.MigrateAsync();
            await db.Database.ExecuteSqlRawAsync("PRAGMA journal_mode=WAL;");
        }

        // Closing the last connection folds the WAL into the file, so a plain copy holds everything.
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
    }

    public Task DisposeAsync()
    {
        try
        {
            Directory.Delete(_folder, recursive: true);
        }
        catch (IOException)
        {
            // The test script removes its temp folder.
        }

        return Task.CompletedTask;
    }
}
