using System.Net;
using System.Net.Http.Json;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using SupportCommunity.Data;
using SupportCommunity.Webhooks;
using static SupportCommunity.Web.Tests.Integration.Accounts;

namespace SupportCommunity.Web.Tests.Integration.Webhooks;

/// <summary>
/// The webhooks API with the default settings: private and local addresses refused. No event is ever sent from this
/// app (no ticket events, and test events only to disabled endpoints), so its public example address is never called.
/// </summary>
public sealed class WebhookUrlApiTests(CommunityAppFactory app) : IClassFixture<CommunityAppFactory>
{
    private const string PublicUrl = "https://8.8.8.8/hooks/support";

    private static readonly string[] Solved = [WebhookEventTypes.TicketSolved];
    private static readonly string[] CreatedAndUpdated = [WebhookEventTypes.TicketCreated, WebhookEventTypes.TicketUpdated];

    [Theory]
    [InlineData("javascript:alert(document.cookie)")]
    [InlineData("ftp://8.8.8.8/drop")]
    [InlineData("http://8.8.8.8/hooks")]
    [InlineData("https://10.0.0.1/hooks")]
    [InlineData("https://192.168.0.10/hooks")]
    [InlineData("https://169.254.169.254/latest/meta-data/")]
    [InlineData("https://127.0.0.1:6379/")]
    [InlineData("http://localhost:5080/api/rooms")]
    [InlineData("https://[::1]/hooks")]
    [InlineData("https://[fd00::5]/hooks")]
    public async Task Create_WithAUrlThatIsNotPublicHttps_Is400_AndStoresNothing(string url)
    {
        var before = await SnapshotAsync();
        using var admin = await app.CreateApiClientAsync(Admin);

        using var response = await admin.PostAsJsonAsync("/api/webhooks", new { url, events = WebhookEventTypes.All });

        var problem = await response.ReadProblemAsync(HttpStatusCode.BadRequest);
        Assert.False(string.IsNullOrWhiteSpace(problem.Detail));
        Assert.Equal(before, await SnapshotAsync());
    }

    [Fact]
    public async Task Admin_CreatesChangesRotatesAndDeletes_TheSecretOnlyInTheCreateAndRotateAnswers()
    {
        using var admin = await app.CreateApiClientAsync(Admin);

        using var created = await admin.PostAsJsonAsync("/api/webhooks", new { url = PublicUrl, events = Solved });
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        var body = await created.Content.ReadFromJsonAsync<WebhookEndpointSecret>();
        Assert.NotNull(body);
        Assert.Equal($"/api/webhooks/{body.Endpoint.Id}", created.Headers.Location?.OriginalString);
        Assert.StartsWith("whsec_", body.Secret, StringComparison.Ordinal);
        var id = body.Endpoint.Id;

        var list = await admin.GetStringAsync("/api/webhooks");
        Assert.Contains(PublicUrl, list, StringComparison.Ordinal);
        Assert.DoesNotContain("whsec_", list, StringComparison.Ordinal);

        using var patched = await admin.PatchAsJsonAsync($"/api/webhooks/{id}", new { active = false, events = CreatedAndUpdated });
        var endpoint = await patched.Content.ReadFromJsonAsync<WebhookEndpointDto>();
        Assert.Equal((false, 2), (endpoint!.Active, endpoint.Events.Count));
        using var badPatch = await admin.PatchAsJsonAsync($"/api/webhooks/{id}", new { url = "https://10.1.1.1/x" });
        await badPatch.ReadProblemAsync(HttpStatusCode.BadRequest);

        using var rotated = await admin.PostAsync($"/api/webhooks/{id}/rotate-secret", null);
        var secret = await rotated.Content.ReadFromJsonAsync<WebhookEndpointSecret>();
        Assert.NotEqual(body.Secret, secret!.Secret);

        using var test = await admin.PostAsync($"/api/webhooks/{id}/test", null);
        var disabled = await test.ReadProblemAsync(HttpStatusCode.Conflict);
        Assert.Equal("Enable the webhook before sending it a test event.", disabled.Detail);

        using var deleted = await admin.DeleteAsync($"/api/webhooks/{id}");
        Assert.Equal(HttpStatusCode.NoContent, deleted.StatusCode);
        using var again = await admin.DeleteAsync($"/api/webhooks/{id}");
        await again.ReadProblemAsync(HttpStatusCode.NotFound);
        using var missing = await admin.PostAsync("/api/webhooks/deliveries/987654321/redeliver", null);
        await missing.ReadProblemAsync(HttpStatusCode.NotFound);
        using var badStatus = await admin.GetAsync("/api/webhooks/deliveries?status=lost");
        await badStatus.ReadProblemAsync(HttpStatusCode.BadRequest);

        await using var scope = app.Services.CreateAsyncScope();
        await using var db = await scope.ServiceProvider.GetRequiredService<IDbContextFactory<CommunityDbContext>>().CreateDbContextAsync();
        var actions = await db.AuditEntries.AsNoTracking().Where(a => a.Action.StartsWith("webhook.")).OrderBy(a => a.Id)
            .Select(a => a.Action).ToListAsync();
        Assert.Equal(["webhook.create", "webhook.update", "webhook.rotate-secret", "webhook.delete"], actions.TakeLast(4));
    }

    private async Task<string> SnapshotAsync()
    {
        await using var db = await app.Services.GetRequiredService<IDbContextFactory<CommunityDbContext>>().CreateDbContextAsync();
        var endpoints = await db.WebhookEndpoints.AsNoTracking().OrderBy(e => e.Id)
            .Select(e => $"{e.Id}:{e.Url}:{e.Secret}:{e.Events}:{e.Active}:{e.DeletedAt}").ToListAsync();
        var audit = await db.AuditEntries.CountAsync();
        return $"{string.Join('|', endpoints)} / {audit}";
    }
}
