using System.Security.Claims;
using Bunit;
using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using SupportCommunity.CannedResponses;
using SupportCommunity.Data;
using SupportCommunity.Identity;
using SupportCommunity.Messages;
using SupportCommunity.Web.CannedResponses;
using SupportCommunity.Web.Moderation;

namespace SupportCommunity.Web.Tests.Components;

/// <summary>The management page and its nav link against the real service and rights, each test over a database of its own.</summary>
public sealed class CannedResponsesPageTests : MudTestContext, IAsyncLifetime
{
    private readonly ComponentDatabase _db = new();

    async Task IAsyncLifetime.InitializeAsync()
    {
        await _db.InitializeAsync();
        _db.AddTo(Services);
        Services.AddSingleton(_db.Get<ActorDirectory>());
        Services.AddSingleton(_db.Get<CannedResponseService>());
        Services.AddSingleton(_db.Get<IOptions<CommunityLimits>>());
        Services.AddScoped<LiveActor>();
    }

    async Task IAsyncLifetime.DisposeAsync()
    {
        await DisposeAsync();
        await _db.DisposeAsync();
    }

    // The component database stores the member's roles itself.
    private Task<Actor> AddAsync(string name, string role) => _db.AddUserAsync(name, role);

    private void SignIn(Actor actor)
    {
        var auth = AddAuthorization();
        auth.SetAuthorized(actor.DisplayName);
        auth.SetClaims([
            new Claim(ClaimTypes.NameIdentifier, actor.UserId),
            new Claim(Actor.DisplayNameClaim, actor.DisplayName),
            .. actor.Roles.Select(role => new Claim(ClaimTypes.Role, role)),
        ]);
    }

    [Fact]
    public async Task Customer_GetsTheRefusalAndNoNavLink()
    {
        var customer = await AddAsync("Jordan Lee", CommunityRoles.Customer);
        SignIn(customer);

        var page = Render<CannedResponsesPage>();
        var link = Render<CannedResponsesNavLink>();

        await page.WaitForAssertionAsync(() => Assert.Equal(CannedResponseService.NotForYou, page.Find("[data-testid=canned-denied]").TextContent.Trim()));
        Assert.Empty(page.FindAll("[data-testid=canned-add]"));
        Assert.Empty(link.FindAll("[data-testid=canned-link]"));
    }

    [Fact]
    public async Task AgentWithNothingYet_SeesTheEmptyStateAndTheNavLink()
    {
        var agent = await AddAsync("Sam Patel", CommunityRoles.SupportAgent);
        SignIn(agent);

        var page = Render<CannedResponsesPage>();
        var link = Render<CannedResponsesNavLink>();

        await page.WaitForAssertionAsync(() => Assert.Contains("No canned responses yet", page.Find("[data-testid=canned-empty]").TextContent, StringComparison.Ordinal));
        Assert.Single(link.FindAll("[data-testid=canned-link]"));
    }

    [Fact]
    public async Task Agent_SeesSharedAndOwnButMayEditOnlyTheirOwn()
    {
        var manager = await AddAsync("Maya Chen", CommunityRoles.CommunityManager);
        var agent = await AddAsync("Sam Patel", CommunityRoles.SupportAgent);
        var canned = _db.Get<CannedResponseService>();
        await canned.CreateAsync(manager, new("refund", "Refund on its way", "Hi {customer.name}!", Shared: true));
        await canned.CreateAsync(manager, new("secret", null, "Maya's own", Shared: false));
        await canned.CreateAsync(agent, new("mine", null, "Sam's own", Shared: false));
        SignIn(agent);

        var page = Render<CannedResponsesPage>();

        await page.WaitForAssertionAsync(() => Assert.Equal(
            ["/mine", "/refund"], page.FindAll("[data-testid=canned-row-shortcut]").Select(r => r.TextContent.Trim())));
        var rows = page.FindAll("[data-testid=canned-table] tbody tr");
        Assert.Single(rows[0].QuerySelectorAll("[data-testid=canned-edit]"));
        Assert.Empty(rows[1].QuerySelectorAll("[data-testid=canned-edit]"));
        Assert.Contains("Shared", rows[1].TextContent, StringComparison.Ordinal);
    }
}
