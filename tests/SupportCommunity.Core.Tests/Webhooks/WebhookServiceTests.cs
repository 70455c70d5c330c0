using Microsoft.EntityFrameworkCore;
using SupportCommunity.Identity;
using SupportCommunity.Webhooks;

namespace SupportCommunity.Core.Tests.Webhooks;

/// <summary>The admin side of webhooks over a real SQLite file: who may do what, what is stored, what is audited.</summary>
public sealed class WebhookServiceTests(WebhookServiceTests.SharedDatabase shared) : IClassFixture<WebhookServiceTests.SharedDatabase>
{
    private readonly CommunityDatabase _database = shared.Database;

    private const string PublicUrl = "https://8.8.8.8/hooks/support?token=s3cret";

    private WebhookService Webhooks => _database.Get<WebhookService>();

    public static TheoryData<string?> NonAdminRoles => new()
    {
        CommunityRoles.CommunityManager, CommunityRoles.SupportAgent, CommunityRoles.VolunteerModerator,
        CommunityRoles.TrustedMember, CommunityRoles.Customer, null,
    };

    [Theory]
    [MemberData(nameof(NonAdminRoles))]
    public async Task EveryOperation_RefusesNonAdmins_AndChangesNothing(string? role)
    {
        var admin = await _database.AddUserAsync("Admin", CommunityRoles.Admin);
        var caller = role is null ? await _database.AddUserAsync("Nobody") : await _database.AddUserAsync("Caller", role);
        var endpoint = (await Webhooks.CreateAsync(admin, new(PublicUrl, WebhookEventTypes.All))).Endpoint;
        var delivery = await Webhooks.SendTestAsync(admin, endpoint.Id);
        var before = await SnapshotAsync();

        Func<Task>[] calls =
        [
            () => Webhooks.ListAsync(caller),
            () => Webhooks.CreateAsync(caller, new(PublicUrl, WebhookEventTypes.All)),
            () => Webhooks.UpdateAsync(caller, endpoint.Id, new(null, null, Active: false)),
            () => Webhooks.DeleteAsync(caller, endpoint.Id),
            () => Webhooks.RotateSecretAsync(caller, endpoint.Id),
            () => Webhooks.SendTestAsync(caller, endpoint.Id),
            () => Webhooks.ListDeliveriesAsync(caller, null, null, null, null),
            () => Webhooks.RedeliverAsync(caller, delivery.Id),
            // Unknown ids too: the refusal comes before any lookup, so it tells nothing about what exists.
            () => Webhooks.UpdateAsync(caller, 999_999, new(null, null, Active: false)),
            () => Webhooks.RedeliverAsync(caller, 999_999),
        ];
        foreach (var call in calls)
        {
            var refusal = await Assert.ThrowsAsync<CommunityException>(call);
            Assert.Equal(CommunityError.Forbidden, refusal.Error);
            Assert.Equal("Only admins can manage webhooks.", refusal.Message);
        }

        Assert.Equal(before, await SnapshotAsync());
    }

    [Theory]
    [InlineData("javascript:alert(1)")]
    [InlineData("ftp://8.8.8.8/hooks")]
    [InlineData("file:///etc/passwd")]
    [InlineData("data:text/plain,hello")]
    [InlineData("")]
    [InlineData("   ")]
    [InlineData("not a url")]
    [InlineData("/relative/path")]
    [InlineData("http://8.8.8.8/hooks")]
    [InlineData("https://user:password@8.8.8.8/hooks")]
    [InlineData("https://8.8.8.8/hooks#fragment")]
    [InlineData("https://10.0.0.5/hooks")]
    [InlineData("https://172.16.3.4/hooks")]
    [InlineData("https://192.168.1.10/hooks")]
    [InlineData("https://169.254.169.254/latest/meta-data")]
    [InlineData("https://100.64.0.1/hooks")]
    [InlineData("https://127.0.0.1/hooks")]
    [InlineData("http://127.0.0.1:8080/hooks")]
    [InlineData("https://2130706433/hooks")]
    [InlineData("https://0.0.0.0/hooks")]
    [InlineData("https://localhost/hooks")]
    [InlineData("https://api.localhost/hooks")]
    [InlineData("https://[::1]/hooks")]
    [InlineData("https://[fe80::1]/hooks")]
    [InlineData("https://[fd00::1]/hooks")]
    [InlineData("https://[::ffff:10.1.2.3]/hooks")]
    public async Task Create_RefusesUrlsThatAreNotPublicHttps_AndStoresNothing(string url)
    {
        var admin = await _database.AddUserAsync("Admin", CommunityRoles.Admin);
        var before = await SnapshotAsync();

        var refusal = await Assert.ThrowsAsync<CommunityException>(() => Webhooks.CreateAsync(admin, new(url, WebhookEventTypes.All)));

        Assert.Equal(CommunityError.Invalid, refusal.Error);
        Assert.Equal(before, await SnapshotAsync());
    }

    [Fact]
    public async Task Create_RefusesLongUrlsAndEventsThatCannotBeSubscribed()
    {
        var admin = await _database.AddUserAsync("Admin", CommunityRoles.Admin);
        var before = await SnapshotAsync();

        await AssertInvalidAsync(() => Webhooks.CreateAsync(admin, new("https://8.8.8.8/" + new string('a', 2000), WebhookEventTypes.All)));
        await AssertInvalidAsync(() => Webhooks.CreateAsync(admin, new(PublicUrl, [])));
        await AssertInvalidAsync(() => Webhooks.CreateAsync(admin, new(PublicUrl, null)));
        await AssertInvalidAsync(() => Webhooks.CreateAsync(admin, new(PublicUrl, ["ticket.deleted"])));
        await AssertInvalidAsync(() => Webhooks.CreateAsync(admin, new(PublicUrl, [WebhookEventTypes.Ping])));

        Assert.Equal(before, await SnapshotAsync());
    }

    [Fact]
    public async Task Create_ShowsTheSecretOnce_AndAuditsWithoutTheUrlPath()
    {
        var admin = await _database.AddUserAsync("Admin", CommunityRoles.Admin);

        var created = await Webhooks.CreateAsync(admin, new(PublicUrl, [WebhookEventTypes.TicketSolved, WebhookEventTypes.TicketCreated]));

        Assert.StartsWith(WebhookSignature.SecretPrefix, created.Secret, StringComparison.Ordinal);
        Assert.Equal(32, Convert.FromBase64String(Base64(created.Secret[WebhookSignature.SecretPrefix.Length..])).Length);
        Assert.Equal([WebhookEventTypes.TicketCreated, WebhookEventTypes.TicketSolved], created.Endpoint.Events);
        Assert.True(created.Endpoint.Active);
        Assert.Equal("Admin", created.Endpoint.CreatedByName);
        Assert.Contains(await Webhooks.ListAsync(admin), e => e.Id == created.Endpoint.Id && e.Url == PublicUrl);

        await using var db = await _database.CreateDbContextAsync();
        var audit = await db.AuditEntries.AsNoTracking().SingleAsync(a => a.Action == WebhookAuditActions.Create && a.ActorId == admin.UserId);
        Assert.Equal("https://8.8.8.8/… [ticket.created,ticket.solved]", audit.After);
        Assert.DoesNotContain("s3cret", audit.After, StringComparison.Ordinal);
    }

    [Fact]
    public async Task RotateDisableEnableDelete_AreAuditedAndTakeEffect()
    {
        var admin = await _database.AddUserAsync("Admin", CommunityRoles.Admin);
        var created = await Webhooks.CreateAsync(admin, new(PublicUrl, [WebhookEventTypes.TicketCreated]));
        var id = created.Endpoint.Id;

        var rotated = await Webhooks.RotateSecretAsync(admin, id);
        Assert.NotEqual(created.Secret, rotated.Secret);
        Assert.False((await Webhooks.UpdateAsync(admin, id, new(null, null, Active: false))).Active);
        var conflict = await Assert.ThrowsAsync<CommunityException>(() => Webhooks.SendTestAsync(admin, id));
        Assert.Equal(CommunityError.Conflict, conflict.Error);
        var enabled = await Webhooks.UpdateAsync(admin, id, new("https://8.8.4.4/other", [WebhookEventTypes.TicketUpdated], Active: true));
        Assert.Equal(("https://8.8.4.4/other", true), (enabled.Url, enabled.Active));
        await Webhooks.DeleteAsync(admin, id);

        Assert.DoesNotContain(await Webhooks.ListAsync(admin), e => e.Id == id);
        var gone = await Assert.ThrowsAsync<CommunityException>(() => Webhooks.RotateSecretAsync(admin, id));
        Assert.Equal(CommunityError.NotFound, gone.Error);
        await using var db = await _database.CreateDbContextAsync();
        var actions = await db.AuditEntries.AsNoTracking().Where(a => a.ActorId == admin.UserId).OrderBy(a => a.Id).Select(a => a.Reason).ToListAsync();
        Assert.Equal(["webhook added", "webhook secret rotated", "webhook disabled", "webhook enabled", "webhook deleted"], actions);
        var stored = await db.WebhookEndpoints.AsNoTracking().SingleAsync(e => e.Id == id);
        Assert.Equal((rotated.Secret, false), (stored.Secret, stored.Active));
        Assert.NotNull(stored.DeletedAt);
    }

    [Fact]
    public async Task DeliveryLog_PagesNewestFirstByKeyset_AndFiltersByEndpointAndStatus()
    {
        var admin = await _database.AddUserAsync("Admin", CommunityRoles.Admin);
        var first = (await Webhooks.CreateAsync(admin, new(PublicUrl, WebhookEventTypes.All))).Endpoint;
        var second = (await Webhooks.CreateAsync(admin, new("https://1.1.1.1/hooks", WebhookEventTypes.All))).Endpoint;
        var sent = new List<long>();
        for (var i = 0; i < 5; i++)
        {
            sent.Add((await Webhooks.SendTestAsync(admin, first.Id)).Id);
        }

        await Webhooks.SendTestAsync(admin, second.Id);

        var page1 = await Webhooks.ListDeliveriesAsync(admin, first.Id, "Pending", null, 3);
        var page2 = await Webhooks.ListDeliveriesAsync(admin, first.Id, "pending", page1.NextBefore, 3);
        Assert.Equal([.. sent.AsEnumerable().Reverse()], [.. page1.Items.Concat(page2.Items).Select(d => d.Id)]);
        Assert.Null(page2.NextBefore);
        Assert.All(page1.Items, d => Assert.Equal((WebhookEventTypes.Ping, "pending"), (d.EventType, d.Status)));
        Assert.Empty((await Webhooks.ListDeliveriesAsync(admin, first.Id, "delivered", null, null)).Items);
        await AssertInvalidAsync(() => Webhooks.ListDeliveriesAsync(admin, null, "lost", null, null));
        await AssertInvalidAsync(() => Webhooks.ListDeliveriesAsync(admin, null, null, null, 0));
        await AssertInvalidAsync(() => Webhooks.ListDeliveriesAsync(admin, null, null, null, 101));
    }

    private static async Task AssertInvalidAsync(Func<Task> call) =>
        Assert.Equal(CommunityError.Invalid, (await Assert.ThrowsAsync<CommunityException>(call)).Error);

    private static string Base64(string base64Url)
    {
        var text = base64Url.Replace('-', '+').Replace('_', '/');
        return text + new string('=', (4 - text.Length % 4) % 4);
    }

    /// <summary>Everything webhooks store: endpoints (with secret and state), deliveries, events, audit entries.</summary>
    private async Task<string> SnapshotAsync()
    {
        await using var db = await _database.CreateDbContextAsync();
        var endpoints = await db.WebhookEndpoints.AsNoTracking().OrderBy(e => e.Id)
            .Select(e => $"{e.Id}:{e.Url}:{e.Secret}:{e.Events}:{e.Active}:{e.DeletedAt}").ToListAsync();
        var deliveries = await db.WebhookDeliveries.AsNoTracking().OrderBy(d => d.Id)
            .Select(d => $"{d.Id}:{d.Status}:{d.Attempts}:{d.NextAttemptAt}").ToListAsync();
        var events = await db.WebhookEvents.CountAsync();
        var audit = await db.AuditEntries.CountAsync();
        return $"{string.Join('|', endpoints)} / {string.Join('|', deliveries)} / {events} / {audit}";
    }

    /// <summary>One migrated database for the class: tests run one after another and compare snapshots within themselves.</summary>
    public sealed class SharedDatabase : IAsyncLifetime
    {
        public CommunityDatabase Database { get; } = new();

        public Task InitializeAsync() => Database.InitializeAsync();

        public Task DisposeAsync() => Database.DisposeAsync();
    }
}
