using System.Security.Claims;
using Bunit;
using SupportCommunity.Identity;
using SupportCommunity.Messages;
using SupportCommunity.Moderation;
using SupportCommunity.Web.Moderation;

namespace SupportCommunity.Web.Tests.Components;

/// <summary>The queue's nav entry against the real services and bus over SQLite.</summary>
public sealed class ModerationNavLinkTests : MudTestContext, IClassFixture<ComponentDatabase>
{
    private readonly ComponentDatabase _db;
    private readonly string _tag = Guid.NewGuid().ToString("N")[..6];

    public ModerationNavLinkTests(ComponentDatabase db)
    {
        _db = db;
        db.AddTo(Services);
    }

    private IRenderedComponent<ModerationNavLink> RenderFor(Actor actor)
    {
        var auth = AddAuthorization();
        auth.SetAuthorized(actor.DisplayName);
        auth.SetClaims([
            new Claim(ClaimTypes.NameIdentifier, actor.UserId),
            new Claim(Actor.DisplayNameClaim, actor.DisplayName),
            .. actor.Roles.Select(role => new Claim(ClaimTypes.Role, role)),
        ]);
        return Render<ModerationNavLink>();
    }

    [Fact]
    public async Task NewReport_ManagersBadgeCountsItLiveAndResolvingClearsIt()
    {
        var room = "mod-" + _tag;
        await _db.AddRoomAsync(room, "Mod " + _tag);
        var manager = await _db.AddUserAsync("Manager " + _tag, CommunityRoles.CommunityManager);
        var author = await _db.AddUserAsync("Author " + _tag, CommunityRoles.Customer);
        var reporter = await _db.AddUserAsync("Reporter " + _tag, CommunityRoles.Customer);
        var sent = await _db.Get<MessageService>().SendAsync(author, room, Guid.NewGuid(), "rude words");

        var link = RenderFor(manager);
        await link.WaitForAssertionAsync(() => Assert.NotNull(link.Find("[data-testid=moderation-link]")));
        Assert.Empty(link.FindAll("[data-testid=moderation-count]"));
        Assert.Single(link.FindAll("[data-testid=automod-link]"));
        Assert.Single(link.FindAll("[data-testid=audit-link]"));
        Assert.Single(link.FindAll("[data-testid=members-link]"));

        var queue = _db.Get<ModerationQueueService>();
        await queue.ReportAsync(reporter, sent.Id, "harassment");
        await link.WaitForAssertionAsync(() => Assert.Equal("1", link.Find("[data-testid=moderation-count]").TextContent));

        await queue.DismissAsync(manager, sent.Id, "fine");
        await link.WaitForAssertionAsync(() => Assert.Empty(link.FindAll("[data-testid=moderation-count]")));
    }

    [Fact]
    public async Task VolunteerModerator_SeesTheQueueButNotAutomodOrTheAuditLink()
    {
        var moderator = await _db.AddUserAsync("Moderator " + _tag, CommunityRoles.VolunteerModerator);

        var link = RenderFor(moderator);

        await link.WaitForAssertionAsync(() => Assert.NotNull(link.Find("[data-testid=moderation-link]")));
        Assert.Empty(link.FindAll("[data-testid=automod-link]"));
        Assert.Empty(link.FindAll("[data-testid=audit-link]"));
        Assert.Empty(link.FindAll("[data-testid=members-link]"));
    }

    [Fact]
    public async Task RolesGrantedAndRevokedLive_TheLinksFollowWithoutAReload()
    {
        var admin = await _db.AddUserAsync("Admin " + _tag, CommunityRoles.Admin);
        var member = await _db.AddUserAsync("Promoted " + _tag, CommunityRoles.Customer);
        var link = RenderFor(member);
        Assert.Empty(link.FindAll("[data-testid=moderation-link]"));

        var grants = _db.Get<GrantService>();
        await grants.GrantAsync(admin, member.UserId, CommunityRoles.CommunityManager, null, "joined the team");
        await link.WaitForAssertionAsync(() => Assert.Single(link.FindAll("[data-testid=members-link]")));

        await grants.RevokeAsync(admin, member.UserId, CommunityRoles.CommunityManager, null, "left the team");
        await link.WaitForAssertionAsync(() => Assert.Empty(link.FindAll("[data-testid=moderation-link]")));
        Assert.Empty(link.FindAll("[data-testid=members-link]"));
    }

    [Fact]
    public async Task Customer_SeesNoQueueLink()
    {
        var customer = await _db.AddUserAsync("Customer " + _tag, CommunityRoles.Customer);

        var link = RenderFor(customer);

        Assert.Empty(link.FindAll("[data-testid=moderation-link]"));
    }
}
