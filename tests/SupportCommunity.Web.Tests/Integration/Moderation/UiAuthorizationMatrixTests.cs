using Bunit;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using SupportCommunity.Identity;
using SupportCommunity.Moderation;
using SupportCommunity.Web.Moderation;
using static SupportCommunity.Web.Tests.Integration.Accounts;
using QueueAction = SupportCommunity.Web.Tests.Integration.Moderation.QueueAuthorizationTests.QueueAction;

namespace SupportCommunity.Web.Tests.Integration.Moderation;

/// <summary>
/// The stored roles of a demo account, given to a fresh viewer: the UI matrices render a component for an admin (every
/// control on screen), then the viewer's stored role becomes the case's, as after a revoke on another node whose notice
/// has not arrived, and the control is clicked. Hiding a button is not the check: the handler must meet the service's
/// refusal, shown to the viewer, with nothing stored.
/// </summary>
internal static class StaleViewer
{
    public static Task<Actor> AddAdminAsync(CommunityAppFactory app, string name) =>
        Members.AddAsync(app, name, [CommunityRoles.Admin]);

    /// <summary>The viewer now holds what <paramref name="account"/> holds (the demo moderator moderates #general).</summary>
    public static Task BecomeAsync(CommunityAppFactory app, Actor viewer, string account) => account switch
    {
        Admin => Members.SetRolesAsync(app, viewer.UserId, [CommunityRoles.Admin]),
        Manager => Members.SetRolesAsync(app, viewer.UserId, [CommunityRoles.CommunityManager]),
        Agent => Members.SetRolesAsync(app, viewer.UserId, [CommunityRoles.SupportAgent]),
        Moderator => Members.SetRolesAsync(app, viewer.UserId, [CommunityRoles.VolunteerModerator], General),
        Member => Members.SetRolesAsync(app, viewer.UserId, [CommunityRoles.TrustedMember]),
        _ => Members.SetRolesAsync(app, viewer.UserId, [CommunityRoles.Customer]),
    };
}

/// <summary>
/// The queue matrix (<see cref="QueueAuthorizationTests.Matrix"/>) through the moderation queue page's buttons. An app of
/// its own: every case closes what it left open, so the page stays short.
/// </summary>
public sealed class QueuePageAuthorizationTests(ModerationAppFactory app) : IClassFixture<ModerationAppFactory>
{
    public static TheoryData<string, string, QueueAction, string> Matrix()
    {
        var data = new TheoryData<string, string, QueueAction, string>();
        foreach (var row in QueueAuthorizationTests.Matrix())
        {
            // The page itself is the queue read; every other action has a control.
            if ((QueueAction)row[2] != QueueAction.GetQueue)
            {
                data.Add((string)row[0], (string)row[1], (QueueAction)row[2], (string)row[3]);
            }
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(Matrix))]
    public async Task QueueButton_ByRoleInRoom_IsAllowedOrRefusedOnScreenAndRefusalsStoreNothing(string account, string room, QueueAction action, string refusal)
    {
        await app.LiftSanctionsAsync(Customer2);
        await using var author = await app.ConnectAsync(Customer2);
        await using var reporter = await app.ConnectAsync(Member);
        var sent = await author.SendAsync(room, $"Reported in {room} for {action} by {account} (UI).");
        await reporter.ReportAsync(sent.Id, "harassment: test report");
        await using (var db = await app.DbAsync())
        {
            await db.Messages.Where(m => m.Id == sent.Id).ExecuteUpdateAsync(s => s.SetProperty(m => m.HiddenAt, DateTimeOffset.UtcNow));
        }

        var held = await app.HoldAsync(Customer2, room, $"Held in {room} for {action} by {account} (UI): see example.com");
        var reason = $"reason-{Guid.NewGuid():N}";
        var viewer = await StaleViewer.AddAdminAsync(app, "Queue viewer");
        await using var ui = new AppComponents(app);
        ui.SignIn(viewer);
        var page = ui.Render<ModerationQueuePage>();
        var item = $"[data-testid=queue-report][data-message-id='{sent.Id}']";
        var heldItem = $"[data-testid=queue-held][data-held-id='{held.Id}']";
        await page.WaitForElementAsync($"{item} [data-testid=queue-claim]", CommunityAppFactory.Timeout);
        await page.WaitForElementAsync($"{heldItem} [data-testid=held-approve]", CommunityAppFactory.Timeout);
        var auditBefore = await QueueAuthorizationTests.CountAuditAsync(app);

        await StaleViewer.BecomeAsync(app, viewer, account);
        switch (action)
        {
            case QueueAction.GetContext:
                page.Find($"{item} [data-testid=queue-expand]").Click();
                break;
            case QueueAction.Claim:
                page.Find($"{item} [data-testid=queue-claim]").Click();
                break;
            case QueueAction.Dismiss:
                page.Find($"{item} [data-testid=queue-dismiss]").Click();
                await ui.ConfirmReasonAsync(reason);
                break;
            case QueueAction.Delete:
                page.Find($"{item} [data-testid=queue-delete]").Click();
                await ui.ConfirmReasonAsync(reason);
                break;
            case QueueAction.Timeout:
                page.Find($"{item} [data-testid=queue-timeout] button").Click();
                await ui.ClickMenuItemAsync("[data-testid=queue-timeout-60]");
                await ui.ConfirmReasonAsync(reason);
                break;
            case QueueAction.Unhide:
                page.Find($"{item} [data-testid=queue-unhide]").Click();
                await ui.ConfirmReasonAsync(reason);
                break;
            case QueueAction.ApproveHeld:
                page.Find($"{heldItem} [data-testid=held-approve]").Click();
                break;
            case QueueAction.RejectHeld:
                page.Find($"{heldItem} [data-testid=held-reject]").Click();
                await ui.ConfirmReasonAsync(reason);
                break;
        }

        if (refusal == QueueAuthorizationTests.Allowed)
        {
            if (action == QueueAction.GetContext)
            {
                await page.WaitForElementAsync($"{item} [data-testid=queue-context] .queue-context-column", CommunityAppFactory.Timeout);
            }
            else
            {
                var (severity, text) = await ui.NextToastAsync(seen: 0);
                Assert.True(severity == "success", $"{severity}: {text}");
            }

            await QueueAuthorizationTests.AssertAppliedAsync(app, action, sent.Id, held, reason, auditBefore);
        }
        else
        {
            var (severity, text) = await ui.NextToastAsync(seen: 0);
            Assert.Equal("warning", severity);
            Assert.Contains(refusal, text, StringComparison.Ordinal);
            await QueueAuthorizationTests.AssertUntouchedAsync(app, sent.Id, held.Id, auditBefore, reason);
        }

        // Whatever is left open leaves the queue, so the next case's page stays short.
        await using var cleanup = await app.DbAsync();
        await cleanup.Reports.Where(r => r.MessageId == sent.Id && (r.Status == ReportStatus.Open || r.Status == ReportStatus.Claimed))
            .ExecuteUpdateAsync(s => s.SetProperty(r => r.Status, ReportStatus.Dismissed));
        await cleanup.HeldMessages.Where(h => h.Id == held.Id && h.Status == HeldStatus.Pending)
            .ExecuteUpdateAsync(s => s.SetProperty(h => h.Status, HeldStatus.Rejected));
    }
}

/// <summary>
/// The calming tools through the room controls menu, for each role in a room the demo moderator moderates (#general)
/// and in one they do not (#billing). An app of its own: allowed cases put the room back as it was.
/// </summary>
public sealed class RoomControlsMenuAuthorizationTests(CalmAppFactory app) : IClassFixture<CalmAppFactory>
{
    public static TheoryData<string, string, string> Matrix()
    {
        var data = new TheoryData<string, string, string>();
        foreach (var account in new[] { Admin, Manager, Agent, Moderator, Member, Customer })
        {
            foreach (var room in new[] { General, Billing })
            {
                foreach (var action in new[] { "SlowMode", "Lock", "CoolDown", "Rules" })
                {
                    data.Add(account, room, action);
                }
            }
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(Matrix))]
    public async Task ControlsMenu_ByRoleInRoom_IsAllowedOnlyForManagersAndTheRoomsModerator(string account, string room, string action)
    {
        var allowed = account is Admin or Manager || (account == Moderator && room == General);
        var controls = app.Services.GetRequiredService<RoomControlService>();
        var viewer = await StaleViewer.AddAdminAsync(app, "Controls viewer");
        var admin = new Actor(viewer.UserId, viewer.DisplayName, new HashSet<string> { CommunityRoles.Admin });
        var before = await controls.GetControlsAsync(admin, room);
        var rulesBefore = await controls.GetRulesAsync(admin, room);
        var auditBefore = await QueueAuthorizationTests.CountAuditAsync(app);
        await using var ui = new AppComponents(app);
        ui.SignIn(viewer);
        var menu = ui.Render<RoomControlsMenu>(p => p.Add(m => m.Slug, room).Add(m => m.Current, before));
        menu.Find("[data-testid=room-controls-toggle]").Click();
        await menu.WaitForElementAsync("[data-testid=room-controls]", CommunityAppFactory.Timeout);

        await StaleViewer.BecomeAsync(app, viewer, account);
        switch (action)
        {
            case "SlowMode":
                menu.Find("[data-testid=controls-slow-mode]").Change("60");
                menu.Find("[data-testid=controls-slow-mode-apply]").Click();
                break;
            case "Lock":
                menu.Find("[data-testid=controls-lock]").Click();
                break;
            case "CoolDown":
                menu.Find("[data-testid=controls-cool-down]").Click();
                break;
            default:
                menu.Find("textarea[data-testid=controls-rules], [data-testid=controls-rules] textarea").Change("Be kind (matrix).");
                menu.Find("[data-testid=controls-rules-save]").Click();
                break;
        }

        var (severity, text) = await ui.NextToastAsync(seen: 0);
        var after = await controls.GetControlsAsync(admin, room);
        var rulesAfter = await controls.GetRulesAsync(admin, room);
        await using var db = await app.DbAsync();
        var entries = await db.AuditEntries.Where(e => e.Id > auditBefore && e.ActorId == viewer.UserId).ToListAsync();
        var audited = entries.Count(e => e.Action != AuditActions.AccessDenied);
        if (!allowed)
        {
            var refusal = $"Only community managers, admins and the moderators of #{room} can change its settings and rules.";
            Assert.Equal(("warning", refusal), (severity, text));
            Assert.Equal(before, after);
            Assert.Equal(rulesBefore.Version, rulesAfter.Version);
            Assert.Equal(0, audited);
            // The attempt itself is in the log.
            Assert.Equal(refusal, Assert.Single(entries).Reason);
            return;
        }

        Assert.True(severity == "success", $"{severity}: {text}");
        Assert.True(audited > 0);
        switch (action)
        {
            case "SlowMode":
                Assert.Equal(60, after.SlowModeSeconds);
                await controls.SetSlowModeAsync(admin, room, 0, "matrix: back as it was");
                break;
            case "Lock":
                Assert.True(after.Locked);
                await controls.UnlockAsync(admin, room);
                break;
            case "CoolDown":
                Assert.True(after.SlowModeSeconds > 0);
                Assert.NotNull(after.Pinned);
                await controls.SetSlowModeAsync(admin, room, 0, "matrix: back as it was");
                await controls.UnpinAsync(admin, room);
                break;
            default:
                Assert.Equal("Be kind (matrix).", rulesAfter.Markdown);
                await controls.SetRulesAsync(admin, room, "");
                break;
        }
    }
}

/// <summary>Adding an automod rule through the automod page, for each role: managers and admins only.</summary>
public sealed class AutomodPageAuthorizationTests(CalmAppFactory app) : IClassFixture<CalmAppFactory>
{
    [Theory]
    [InlineData(Admin, true)]
    [InlineData(Manager, true)]
    [InlineData(Agent, false)]
    [InlineData(Moderator, false)]
    [InlineData(Member, false)]
    [InlineData(Customer, false)]
    public async Task AddRule_ByRole_IsAllowedOnlyForManagersAndAdmins(string account, bool allowed)
    {
        var name = "matrix-" + Guid.NewGuid().ToString("N")[..8];
        var viewer = await StaleViewer.AddAdminAsync(app, "Automod viewer");
        await using var ui = new AppComponents(app);
        ui.SignIn(viewer);
        var page = ui.Render<AutomodPage>();
        await page.WaitForElementAsync("[data-testid=automod-rules]", CommunityAppFactory.Timeout);

        await StaleViewer.BecomeAsync(app, viewer, account);
        page.Find("input[data-testid=automod-name], [data-testid=automod-name] input").Change(name);
        page.Find("input[data-testid=automod-pattern], [data-testid=automod-pattern] input").Change("matrixword");
        page.Find("[data-testid=automod-save]").Click();

        var (severity, text) = await ui.NextToastAsync(seen: 0);
        await using var db = await app.DbAsync();
        var stored = await db.AutomodRules.AnyAsync(r => r.Name == name);
        var audited = await db.AuditEntries.AnyAsync(e => e.Action == AuditActions.AutomodRuleChange && e.ActorId == viewer.UserId);
        if (allowed)
        {
            Assert.True(severity == "success", $"{severity}: {text}");
            Assert.True(stored && audited);
            // Off again, so that no other case's sends meet it.
            var rule = await db.AutomodRules.SingleAsync(r => r.Name == name);
            await app.Services.GetRequiredService<AutomodService>().UpdateAsync(
                new Actor(viewer.UserId, viewer.DisplayName, new HashSet<string> { CommunityRoles.Admin }), rule.Id,
                new AutomodRuleInput(rule.Name, rule.Pattern, rule.IsRegex, rule.Action, rule.Replacement, Enabled: false));
        }
        else
        {
            Assert.Equal(("warning", "Only community managers and admins can manage automod rules."), (severity, text));
            Assert.False(stored);
            Assert.False(audited);
            Assert.True(await db.AuditEntries.AnyAsync(e => e.Action == AuditActions.AccessDenied && e.ActorId == viewer.UserId));
        }
    }
}
