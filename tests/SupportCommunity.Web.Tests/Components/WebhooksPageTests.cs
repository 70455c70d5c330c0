using System.Security.Claims;
using Bunit;
using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using SupportCommunity.Data;
using SupportCommunity.Identity;
using SupportCommunity.Web.Moderation;
using SupportCommunity.Web.Webhooks;
using SupportCommunity.Webhooks;

namespace SupportCommunity.Web.Tests.Components;

/// <summary>
/// The admin webhooks page against the real services over SQLite. Nothing is sent from here: these services run no
/// dispatcher, so the example endpoints' deliveries stay in the log as pending.
/// </summary>
public sealed class WebhooksPageTests : MudTestContext, IClassFixture<ComponentDatabase>
{
    private const string Url = "https://8.8.8.8/hooks/support";

    private readonly ComponentDatabase _db;

    public WebhooksPageTests(ComponentDatabase db)
    {
        _db = db;
        db.AddTo(Services);
        Services.AddSingleton(db.Get<WebhookService>());
        Services.AddSingleton(db.Get<ActorDirectory>());
        Services.AddScoped<LiveActor>();
        Services.AddSingleton(db.Get<Microsoft.Extensions.Options.IOptions<WebhookOptions>>());
    }

    [Fact]
    public async Task Admin_WithNoWebhooks_SeesTheEmptyStatesAndTheAddForm()
    {
        await ClearAsync();
        var admin = await AddUserAsync("Ada Admin", CommunityRoles.Admin);

        var page = RenderAs<WebhooksPage>(admin);

        await page.WaitForAssertionAsync(() => Assert.NotNull(page.Find("[data-testid=webhooks-empty]")));
        Assert.Contains("No webhooks yet", page.Find("[data-testid=webhooks-empty]").TextContent, StringComparison.Ordinal);
        Assert.Empty(page.FindAll("[data-testid=webhooks-list]"));
        Assert.Contains("No deliveries yet", page.Find("[data-testid=webhook-deliveries-empty]").TextContent, StringComparison.Ordinal);
        Assert.NotNull(page.Find("[data-testid=webhook-add]"));
        Assert.Equal(3, page.FindAll("[data-testid^=webhook-event-]").Count);
    }

    [Fact]
    public async Task Admin_SeesEndpointsWithoutTheirSecrets_AndTheDeliveryLogNewestFirst()
    {
        await ClearAsync();
        var admin = await AddUserAsync("Ada Admin", CommunityRoles.Admin);
        var webhooks = _db.Get<WebhookService>();
        var created = await webhooks.CreateAsync(admin, new(Url, [WebhookEventTypes.TicketCreated, WebhookEventTypes.TicketSolved]));
        var second = await webhooks.CreateAsync(admin, new("https://1.1.1.1/other", WebhookEventTypes.All));
        var first = await webhooks.SendTestAsync(admin, created.Endpoint.Id);
        var latest = await webhooks.SendTestAsync(admin, second.Endpoint.Id);

        var page = RenderAs<WebhooksPage>(admin);

        await page.WaitForAssertionAsync(() => Assert.Equal(2, page.FindAll("[data-testid=webhook-url]").Count));
        Assert.Equal([Url, "https://1.1.1.1/other"], page.FindAll("[data-testid=webhook-url]").Select(e => e.TextContent));
        Assert.DoesNotContain(created.Secret, page.Markup, StringComparison.Ordinal);
        Assert.DoesNotContain("whsec_", page.Markup, StringComparison.Ordinal);
        Assert.Empty(page.FindAll("[data-testid=webhooks-empty]"));
        var statuses = page.FindAll("[data-testid=webhook-delivery-status]");
        Assert.Equal(["pending", "pending"], statuses.Select(s => s.TextContent.Trim()));
        var rows = page.Find("[data-testid=webhook-deliveries]").TextContent;
        Assert.True(rows.IndexOf("1.1.1.1", StringComparison.Ordinal) < rows.IndexOf("8.8.8.8", StringComparison.Ordinal), "newest first");
        Assert.True(latest.Id > first.Id);
    }

    [Fact]
    public async Task Admin_AddsAnEndpoint_AndSeesItsSecretOnce()
    {
        await ClearAsync();
        var admin = await AddUserAsync("Ada Admin", CommunityRoles.Admin);
        var page = RenderAs<WebhooksPage>(admin);
        await page.WaitForAssertionAsync(() => Assert.NotNull(page.Find("[data-testid=webhooks-empty]")));

        page.Find("input[data-testid=webhook-new-url], [data-testid=webhook-new-url] input").Change(Url);
        await page.Find("[data-testid=webhook-add]").ClickAsync(new());

        await page.WaitForAssertionAsync(() => Assert.NotNull(page.Find("[data-testid=webhook-secret]")));
        await using var db = await _db.Get<IDbContextFactory<CommunityDbContext>>().CreateDbContextAsync();
        var stored = await db.WebhookEndpoints.AsNoTracking().SingleAsync(e => e.DeletedAt == null);
        Assert.Equal(stored.Secret, page.Find("[data-testid=webhook-secret]").TextContent);
        Assert.Equal(string.Join(',', WebhookEventTypes.All), stored.Events);
        Assert.Single(page.FindAll("[data-testid=webhook-url]"));

        page.Render();
        page.FindAll("[data-testid=webhook-secret-panel] button").Single(b => b.TextContent.Contains("stored it", StringComparison.Ordinal)).Click();
        Assert.Empty(page.FindAll("[data-testid=webhook-secret]"));
        Assert.DoesNotContain(stored.Secret, page.Markup, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(CommunityRoles.CommunityManager)]
    [InlineData(CommunityRoles.SupportAgent)]
    [InlineData(CommunityRoles.Customer)]
    public async Task NonAdmin_SeesTheRefusalAndNoWebhooks(string role)
    {
        var admin = await AddUserAsync("Ada Admin", CommunityRoles.Admin);
        await _db.Get<WebhookService>().CreateAsync(admin, new(Url, WebhookEventTypes.All));
        var user = await AddUserAsync("Someone", role);

        var page = RenderAs<WebhooksPage>(user);

        await page.WaitForAssertionAsync(() => Assert.NotNull(page.Find("[data-testid=webhooks-denied]")));
        Assert.Equal("Only admins can manage webhooks.", page.Find("[data-testid=webhooks-denied]").TextContent.Trim());
        Assert.DoesNotContain("8.8.8.8", page.Markup, StringComparison.Ordinal);
        Assert.Empty(page.FindAll("[data-testid=webhook-add]"));
    }

    [Theory]
    [InlineData(CommunityRoles.Admin, true)]
    [InlineData(CommunityRoles.CommunityManager, false)]
    [InlineData(CommunityRoles.Customer, false)]
    public async Task NavLink_IsShownToAdminsOnly(string role, bool shown)
    {
        var user = await AddUserAsync("Someone", role);

        var links = RenderAs<WebhooksNavLink>(user).FindAll("[data-testid=webhooks-link]");

        Assert.Equal(shown ? 1 : 0, links.Count);
    }

    private IRenderedComponent<T> RenderAs<T>(Actor actor) where T : Microsoft.AspNetCore.Components.IComponent
    {
        var auth = AddAuthorization();
        auth.SetAuthorized(actor.DisplayName);
        auth.SetClaims([
            new Claim(ClaimTypes.NameIdentifier, actor.UserId),
            new Claim(Actor.DisplayNameClaim, actor.DisplayName),
            .. actor.Roles.Select(role => new Claim(ClaimTypes.Role, role)),
        ]);
        return Render<T>();
    }

    /// <summary>A user whose role is stored, as the page reads roles from the database (ADR-0008).</summary>
    // The component database stores the member's roles itself (every entry point reads them from there).
    private Task<Actor> AddUserAsync(string name, string role) => _db.AddUserAsync(name, role);

    private async Task ClearAsync()
    {
        await using var db = await _db.Get<IDbContextFactory<CommunityDbContext>>().CreateDbContextAsync();
        await db.WebhookDeliveries.ExecuteDeleteAsync();
        await db.WebhookEndpoints.ExecuteDeleteAsync();
    }
}
