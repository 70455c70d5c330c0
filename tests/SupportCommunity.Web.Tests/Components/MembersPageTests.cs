using Bunit;
using Bunit.TestDoubles;
using Microsoft.EntityFrameworkCore;
using MudBlazor;
using SupportCommunity.Identity;
using SupportCommunity.Moderation;
using SupportCommunity.Web.Moderation;

namespace SupportCommunity.Web.Tests.Components;

/// <summary>
/// The members page against the real services over SQLite: what each viewer is offered, grants and revokes with a
/// reason, confirmation and undo, lifting sanctions, live refresh, and refusals shown in place.
/// </summary>
public sealed class MembersPageTests : MudTestContext, IClassFixture<ComponentDatabase>
{
    private readonly ComponentDatabase _db;
    private readonly string _tag = Guid.NewGuid().ToString("N")[..6];
    private readonly IRenderedComponent<MudDialogProvider> _dialogs;
    private readonly IRenderedComponent<MudSnackbarProvider> _snackbars;
    private readonly BunitAuthorizationContext _auth;

    public MembersPageTests(ComponentDatabase db)
    {
        _db = db;
        db.AddTo(Services);
        _auth = AddAuthorization();
        Render<MudPopoverProvider>();
        _dialogs = Render<MudDialogProvider>();
        _snackbars = Render<MudSnackbarProvider>();
    }

    private const string SearchBox = "input[data-testid=members-search], [data-testid=members-search] input";

    private string Room => "mp-" + _tag;

    private async Task<IRenderedComponent<MembersPage>> OpenAsync(Actor viewer, Actor? member = null)
    {
        await EnsureRoomsAsync();
        _auth.SignIn(viewer);
        var page = Render<MembersPage>();
        if (member is not null)
        {
            await OpenMemberAsync(page, member);
        }

        return page;
    }

    private async Task EnsureRoomsAsync()
    {
        await using var db = await _db.DbAsync();
        if (!await db.Rooms.AnyAsync(r => r.Slug == Room))
        {
            await _db.AddRoomAsync(Room, "Members " + _tag);
            await _db.AddRoomAsync(Room + "-b", "Members B " + _tag);
        }
    }

    private static async Task OpenMemberAsync(IRenderedComponent<MembersPage> page, Actor member)
    {
        (await page.WaitForElementAsync(SearchBox)).Input(member.DisplayName);
        var row = await page.WaitForElementAsync($"[data-testid=member-result][data-user-id='{member.UserId}']");
        row.Click();
        await page.WaitForAssertionAsync(() => Assert.Equal(member.DisplayName, page.Find("[data-testid=member-name]").TextContent));
    }

    private static string RoomChoice(string slug) =>
        $"input[data-testid=room-choice][data-room='{slug}'], [data-testid=room-choice][data-room='{slug}'] input";

    private static AngleSharp.Dom.IElement RoleRow(IRenderedComponent<MembersPage> page, string role) =>
        page.Find($"[data-testid=role-row][data-role={role}]");

    [Fact]
    public async Task Customer_IsRefusedThePage()
    {
        var customer = await _db.AddUserAsync("Customer " + _tag, CommunityRoles.Customer);

        var page = await OpenAsync(customer);

        Assert.Equal("This page is for community managers and admins.", page.Find("[data-testid=members-denied]").TextContent.Trim());
        Assert.Empty(page.FindAll("[data-testid=members-search]"));
    }

    [Fact]
    public async Task Search_ShowsAStartState_ThenNoMatch_ThenTheMembersFound()
    {
        var manager = await _db.AddUserAsync("Manager " + _tag, CommunityRoles.CommunityManager);
        await _db.AddUserAsync("Zed " + _tag, CommunityRoles.TrustedMember);
        var page = await OpenAsync(manager);
        Assert.NotNull(page.Find("[data-testid=members-start]"));
        Assert.NotNull(page.Find("[data-testid=member-none]"));

        page.Find(SearchBox).Input("Nobody-" + _tag);
        await page.WaitForAssertionAsync(() => Assert.Contains("No member's name or e-mail starts with", page.Find("[data-testid=members-none]").TextContent, StringComparison.Ordinal));

        page.Find(SearchBox).Input("Zed " + _tag);
        await page.WaitForAssertionAsync(() => Assert.Equal("Zed " + _tag, page.Find("[data-testid=member-result] .member-row-name").TextContent));
        Assert.Equal("Trusted member", page.Find("[data-testid=member-result] [data-testid=role-badge]").TextContent);
    }

    [Fact]
    public async Task Manager_SeesRolesRoomsAndSanctions_AndIsOfferedOnlyTrustAndModeration()
    {
        var manager = await _db.AddUserAsync("Manager " + _tag, CommunityRoles.CommunityManager);
        var member = await _db.AddUserAsync("Mod " + _tag, CommunityRoles.VolunteerModerator);
        await EnsureRoomsAsync();
        await _db.SetRolesAsync(member.UserId, [CommunityRoles.VolunteerModerator], Room);
        var target = await _db.AddUserAsync("Troll " + _tag, CommunityRoles.Customer);
        await _db.Get<SanctionService>().TimeoutAsync(manager, target.UserId, TimeSpan.FromMinutes(10), "Spam links");

        var page = await OpenAsync(manager, member);

        Assert.Equal([CommunityRoles.TrustedMember, CommunityRoles.VolunteerModerator],
            page.FindAll("[data-testid=role-row]").Select(r => r.GetAttribute("data-role")));
        Assert.Equal("true", RoleRow(page, CommunityRoles.VolunteerModerator).GetAttribute("data-held"));
        Assert.Equal([Room], page.FindAll("[data-testid=moderated-room]").Select(r => r.GetAttribute("data-room")));
        Assert.NotNull(page.Find("[data-testid=member-no-sanctions]"));

        await OpenMemberAsync(page, target);
        var sanction = page.Find("[data-testid=member-sanction]");
        Assert.Equal("true", sanction.GetAttribute("data-active"));
        Assert.Contains("Spam links", sanction.TextContent, StringComparison.Ordinal);
        Assert.Contains("ends in", sanction.TextContent, StringComparison.Ordinal);
        Assert.Equal("Unmute…", sanction.QuerySelector("[data-testid=sanction-lift]")!.TextContent.Trim());
    }

    [Fact]
    public async Task Admin_IsOfferedTheStaffRolesToo()
    {
        var admin = await _db.AddUserAsync("Admin " + _tag, CommunityRoles.Admin);
        var member = await _db.AddUserAsync("Member " + _tag, CommunityRoles.Customer);

        var page = await OpenAsync(admin, member);

        Assert.Equal(
            [CommunityRoles.TrustedMember, CommunityRoles.VolunteerModerator, CommunityRoles.CommunityManager, CommunityRoles.SupportAgent],
            page.FindAll("[data-testid=role-row]").Select(r => r.GetAttribute("data-role")));
    }

    [Theory]
    [InlineData(CommunityRoles.CommunityManager, "Only admins can change the roles of managers and admins.")]
    [InlineData(CommunityRoles.Admin, "Only admins can change the roles of managers and admins.")]
    public async Task Manager_OnAManagerOrAdmin_RolesAreReadOnly(string targetRole, string why)
    {
        var manager = await _db.AddUserAsync("Manager " + _tag, CommunityRoles.CommunityManager);
        var other = await _db.AddUserAsync("Other " + _tag, targetRole);

        var page = await OpenAsync(manager, other);

        Assert.Equal(why, page.Find("[data-testid=member-roles-readonly]").TextContent);
        Assert.Empty(page.FindAll("[data-testid=role-row]"));
    }

    [Fact]
    public async Task GrantTrustedMember_WithAReason_IsStoredAndAudited_AndUndoRevokesIt()
    {
        var manager = await _db.AddUserAsync("Manager " + _tag, CommunityRoles.CommunityManager);
        var member = await _db.AddUserAsync("Helper " + _tag, CommunityRoles.Customer);
        var page = await OpenAsync(manager, member);

        RoleRow(page, CommunityRoles.TrustedMember).QuerySelector("[data-testid=role-grant]")!.Click();
        await _dialogs.ConfirmReasonAsync("Answers others' questions");

        await page.WaitForAssertionAsync(() => Assert.Equal("true", RoleRow(page, CommunityRoles.TrustedMember).GetAttribute("data-held")));
        Assert.Contains(CommunityRoles.TrustedMember, await _db.RolesOfAsync(member.UserId));
        await using (var db = await _db.DbAsync())
        {
            var entry = await db.AuditEntries.Where(e => e.TargetUserId == member.UserId).SingleAsync();
            Assert.Equal((AuditActions.RoleGrant, "Answers others' questions", manager.UserId), (entry.Action, entry.Reason, entry.ActorId));
        }

        var undo = await _snackbars.WaitForElementAsync(".mud-snackbar button");
        Assert.Equal("Undo", undo.TextContent.Trim());
        undo.Click();

        await page.WaitForAssertionAsync(() => Assert.Equal("false", RoleRow(page, CommunityRoles.TrustedMember).GetAttribute("data-held")));
        Assert.DoesNotContain(CommunityRoles.TrustedMember, await _db.RolesOfAsync(member.UserId));
        await using (var db = await _db.DbAsync())
        {
            var undone = await db.AuditEntries.Where(e => e.TargetUserId == member.UserId).OrderBy(e => e.Id).Select(e => new { e.Action, e.Reason }).ToListAsync();
            Assert.Equal(new[] { AuditActions.RoleGrant, AuditActions.RoleRevoke }, undone.Select(e => e.Action));
            Assert.Equal("Undo: Answers others' questions", undone[1].Reason);
        }
    }

    [Fact]
    public async Task MakeModerator_ForTheChosenRooms_ThenStopModeratingOneRoom()
    {
        var manager = await _db.AddUserAsync("Manager " + _tag, CommunityRoles.CommunityManager);
        var member = await _db.AddUserAsync("Volunteer " + _tag, CommunityRoles.TrustedMember);
        var page = await OpenAsync(manager, member);
        var grant = () => RoleRow(page, CommunityRoles.VolunteerModerator).QuerySelector("[data-testid=role-grant]")!;
        Assert.True(grant().HasAttribute("disabled"), "No room chosen yet");

        page.Find(RoomChoice(Room)).Change(true);
        page.Find(RoomChoice(Room + "-b")).Change(true);
        grant().Click();
        await _dialogs.ConfirmReasonAsync("Volunteered to moderate");

        await page.WaitForAssertionAsync(() =>
            Assert.Equal([Room, Room + "-b"], page.FindAll("[data-testid=moderated-room]").Select(r => r.GetAttribute("data-room"))));
        var rights = await _db.Get<GrantService>().GetAsync(manager, member.UserId);
        Assert.Equal([Room, Room + "-b"], rights.ModeratedRooms);

        // The × on a room chip revokes that room only, after confirming.
        page.Find($"[data-testid=moderated-room][data-room='{Room}-b'] .mud-chip-close-button").Click();
        await _dialogs.ConfirmReasonAsync("No longer active in this room");
        await page.WaitForAssertionAsync(() =>
            Assert.Equal([Room], page.FindAll("[data-testid=moderated-room]").Select(r => r.GetAttribute("data-room"))));
        Assert.Contains(CommunityRoles.VolunteerModerator, await _db.RolesOfAsync(member.UserId));
    }

    [Fact]
    public async Task Revoke_ConfirmationCancelled_ChangesNothing()
    {
        var manager = await _db.AddUserAsync("Manager " + _tag, CommunityRoles.CommunityManager);
        var member = await _db.AddUserAsync("Keeper " + _tag, CommunityRoles.TrustedMember);
        var page = await OpenAsync(manager, member);

        RoleRow(page, CommunityRoles.TrustedMember).QuerySelector("[data-testid=role-revoke]")!.Click();
        var dialog = await _dialogs.WaitForElementAsync("[data-testid=reason-dialog]");
        Assert.Contains("Revoke trusted member from Keeper", _dialogs.Markup, StringComparison.Ordinal);
        _dialogs.FindAll(".mud-dialog-actions button").First(b => b.TextContent.Trim() == "Cancel").Click();
        await _dialogs.WaitForAssertionAsync(() => Assert.Empty(_dialogs.FindAll("[data-testid=reason-dialog]")));

        Assert.Contains(CommunityRoles.TrustedMember, await _db.RolesOfAsync(member.UserId));
        Assert.Equal("true", RoleRow(page, CommunityRoles.TrustedMember).GetAttribute("data-held"));
        await using var db = await _db.DbAsync();
        Assert.False(await db.AuditEntries.AnyAsync(e => e.TargetUserId == member.UserId));
    }

    [Fact]
    public async Task LiftTimeout_WithAReason_LiftsItAndShowsItLifted()
    {
        var manager = await _db.AddUserAsync("Manager " + _tag, CommunityRoles.CommunityManager);
        var member = await _db.AddUserAsync("Muted " + _tag, CommunityRoles.Customer);
        var timeout = await _db.Get<SanctionService>().TimeoutAsync(manager, member.UserId, TimeSpan.FromHours(1), "Shouting");
        var page = await OpenAsync(manager, member);

        page.Find("[data-testid=sanction-lift]").Click();
        await _dialogs.ConfirmReasonAsync("Appeal accepted");

        await page.WaitForAssertionAsync(() => Assert.Equal("false", page.Find("[data-testid=member-sanction]").GetAttribute("data-active")));
        Assert.Contains("lifted", page.Find("[data-testid=member-sanction]").TextContent, StringComparison.Ordinal);
        Assert.Empty(page.FindAll("[data-testid=sanction-lift]"));
        await using var db = await _db.DbAsync();
        Assert.NotNull((await db.Sanctions.SingleAsync(s => s.Id == timeout.Id)).RevokedAt);
        Assert.Single(await db.AuditEntries.Where(e => e.Action == AuditActions.SanctionLift && e.TargetUserId == member.UserId && e.Reason == "Appeal accepted").ToListAsync());
    }

    [Fact]
    public async Task ChangedElsewhere_TheShownMemberRefreshesLive()
    {
        var manager = await _db.AddUserAsync("Manager " + _tag, CommunityRoles.CommunityManager);
        var admin = await _db.AddUserAsync("Admin " + _tag, CommunityRoles.Admin);
        var member = await _db.AddUserAsync("Watched " + _tag, CommunityRoles.Customer);
        var page = await OpenAsync(manager, member);

        await _db.Get<GrantService>().GrantAsync(admin, member.UserId, CommunityRoles.TrustedMember, null, "from another tab");
        await page.WaitForAssertionAsync(() => Assert.Equal("true", RoleRow(page, CommunityRoles.TrustedMember).GetAttribute("data-held")));

        await _db.Get<SanctionService>().TimeoutAsync(admin, member.UserId, TimeSpan.FromMinutes(5), "cool off");
        await page.WaitForAssertionAsync(() => Assert.Contains("cool off", page.Find("[data-testid=member-sanction]").TextContent, StringComparison.Ordinal));
    }

    [Fact]
    public async Task ViewerDemotedWhilePageOpen_GrantIsRefusedInPlace_AndNothingIsStored()
    {
        var manager = await _db.AddUserAsync("Manager " + _tag, CommunityRoles.CommunityManager);
        var member = await _db.AddUserAsync("Target " + _tag, CommunityRoles.Customer);
        var page = await OpenAsync(manager, member);
        // Revoked on another node: the page still offers the button, the server decides.
        await _db.SetRolesAsync(manager.UserId, [CommunityRoles.Customer]);

        RoleRow(page, CommunityRoles.TrustedMember).QuerySelector("[data-testid=role-grant]")!.Click();
        await _dialogs.ConfirmReasonAsync("Should not happen");

        await page.WaitForAssertionAsync(() => Assert.Equal(
            "Only community managers and admins can grant or revoke this role.", page.Find("[data-testid=members-refusal]").TextContent.Trim()));
        Assert.DoesNotContain(CommunityRoles.TrustedMember, await _db.RolesOfAsync(member.UserId));
        await using var db = await _db.DbAsync();
        // The attempt is in the log, as a refusal by the demoted manager; nothing was granted.
        var attempt = await db.AuditEntries.Where(e => e.TargetUserId == member.UserId).SingleAsync();
        Assert.Equal((AuditActions.AccessDenied, manager.UserId, "tried " + AuditActions.RoleGrant), (attempt.Action, attempt.ActorId, attempt.After));
    }
}
