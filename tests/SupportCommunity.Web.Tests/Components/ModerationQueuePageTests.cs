using Bunit;
using Bunit.TestDoubles;
using Microsoft.EntityFrameworkCore;
using MudBlazor;
using SupportCommunity.Identity;
using SupportCommunity.Moderation;
using SupportCommunity.Web.Moderation;

namespace SupportCommunity.Web.Tests.Components;

/// <summary>The queue's author panel: the author's sanctions, lifted in place, and the way to their roles.</summary>
public sealed class ModerationQueuePageTests : MudTestContext, IClassFixture<ComponentDatabase>
{
    private readonly ComponentDatabase _db;
    private readonly string _tag = Guid.NewGuid().ToString("N")[..6];
    private readonly BunitAuthorizationContext _auth;
    private readonly IRenderedComponent<MudDialogProvider> _dialogs;

    public ModerationQueuePageTests(ComponentDatabase db)
    {
        _db = db;
        db.AddTo(Services);
        _auth = AddAuthorization();
        Render<MudPopoverProvider>();
        _dialogs = Render<MudDialogProvider>();
        Render<MudSnackbarProvider>();
    }

    [Fact]
    public async Task AuthorPanel_ManagerUnmutesTheAuthorWithAReason_AndLinksToTheirRoles()
    {
        var room = "queue-" + _tag;
        await _db.AddRoomAsync(room, "Queue " + _tag);
        var manager = await _db.AddUserAsync("Manager " + _tag, CommunityRoles.CommunityManager);
        var author = await _db.AddUserAsync("Author " + _tag, CommunityRoles.Customer);
        var reporter = await _db.AddUserAsync("Reporter " + _tag, CommunityRoles.Customer);
        var sent = await _db.Get<SupportCommunity.Messages.MessageService>().SendAsync(author, room, Guid.NewGuid(), "rude words");
        await _db.Get<ModerationQueueService>().ReportAsync(reporter, sent.Id, "harassment");
        var timeout = await _db.Get<SanctionService>().TimeoutAsync(manager, author.UserId, TimeSpan.FromHours(1), "Earlier insults");
        _auth.SignIn(manager);
        var page = Render<ModerationQueuePage>();
        var item = $"[data-testid=queue-report][data-message-id='{sent.Id}']";

        (await page.WaitForElementAsync($"{item} [data-testid=queue-expand]")).Click();
        var lift = await page.WaitForElementAsync($"{item} [data-testid=queue-sanction-lift]");
        Assert.Equal("Unmute…", lift.TextContent.Trim());
        Assert.Equal($"moderation/members?user={author.UserId}", page.Find($"{item} [data-testid=queue-author-roles]").GetAttribute("href"));
        lift.Click();
        await _dialogs.ConfirmReasonAsync("Apologised in private");

        await page.WaitForAssertionAsync(() => Assert.Empty(page.FindAll($"{item} [data-testid=queue-sanction-lift]")));
        Assert.DoesNotContain("· active", page.Find($"{item} [data-testid=queue-context]").TextContent, StringComparison.Ordinal);
        await using var db = await _db.DbAsync();
        Assert.NotNull((await db.Sanctions.SingleAsync(s => s.Id == timeout.Id)).RevokedAt);
        Assert.True(await db.AuditEntries.AnyAsync(e => e.Action == AuditActions.SanctionLift && e.Reason == "Apologised in private" && e.ActorId == manager.UserId));
    }

    [Fact]
    public async Task AuthorPanel_AVolunteerModeratorIsOfferedToLiftOnlyWhatTheyMay()
    {
        var room = "queue-" + _tag;
        await _db.AddRoomAsync(room, "Queue " + _tag);
        var manager = await _db.AddUserAsync("Manager " + _tag, CommunityRoles.CommunityManager);
        var moderator = await _db.AddUserAsync("Moderator " + _tag, CommunityRoles.VolunteerModerator);
        await _db.SetRolesAsync(moderator.UserId, [CommunityRoles.VolunteerModerator], room);
        var author = await _db.AddUserAsync("Author " + _tag, CommunityRoles.Customer);
        var reporter = await _db.AddUserAsync("Reporter " + _tag, CommunityRoles.Customer);
        var sent = await _db.Get<SupportCommunity.Messages.MessageService>().SendAsync(author, room, Guid.NewGuid(), "more rude words");
        await _db.Get<ModerationQueueService>().ReportAsync(reporter, sent.Id, "harassment");
        // A community ban by the manager: not the moderator's to lift.
        await _db.Get<SanctionService>().BanFromCommunityAsync(manager, author.UserId, TimeSpan.FromDays(1), "Ban evasion");
        _auth.SignIn(new Actor(moderator.UserId, moderator.DisplayName, new HashSet<string> { CommunityRoles.VolunteerModerator }));
        var page = Render<ModerationQueuePage>();
        var item = $"[data-testid=queue-report][data-message-id='{sent.Id}']";

        (await page.WaitForElementAsync($"{item} [data-testid=queue-expand]")).Click();
        await page.WaitForElementAsync($"{item} [data-testid=queue-context] .queue-context-column");

        Assert.Contains("Ban evasion", page.Find($"{item} [data-testid=queue-context]").TextContent, StringComparison.Ordinal);
        Assert.Empty(page.FindAll($"{item} [data-testid=queue-sanction-lift]"));
        Assert.Empty(page.FindAll($"{item} [data-testid=queue-author-roles]"));
    }
}
