using Microsoft.EntityFrameworkCore;
using SupportCommunity.Moderation;
using static SupportCommunity.Web.Tests.Integration.Accounts;

namespace SupportCommunity.Web.Tests.Integration.Moderation;

public sealed class QueueWorkflowTests(ModerationAppFactory app) : IClassFixture<ModerationAppFactory>, IAsyncLifetime
{
    /// <summary>Tests here time out the demo customers: each starts with them free to post.</summary>
    public async Task InitializeAsync()
    {
        foreach (var member in new[] { Customer, Customer2, Member })
        {
            await app.LiftSanctionsAsync(member);
        }
    }

    public Task DisposeAsync() => Task.CompletedTask;

    [Fact]
    public async Task ClaimReport_ClaimedByAnotherModerator_IsAConflictNamingThemAndTheirClaimStands()
    {
        await using var author = await app.ConnectAsync(Customer2);
        await using var reporter = await app.ConnectAsync(Customer);
        await using var moderator = await app.ConnectAsync(Moderator);
        await using var manager = await app.ConnectAsync(Manager);
        var sent = await author.SendAsync(General, "Rude remark.");
        await reporter.ReportAsync(sent.Id, "harassment");

        await moderator.ClaimAsync(sent.Id);
        await HubAssert.RefusedAsync(() => manager.ClaimAsync(sent.Id), "Theo Ruiz has already claimed this report.");
        await HubAssert.RefusedAsync(() => manager.DismissAsync(sent.Id, "fine by me"), "Theo Ruiz has already claimed this report.");

        var queued = Assert.Single((await manager.GetQueueAsync()).Reports, r => r.Message.Id == sent.Id);
        Assert.Equal("Theo Ruiz", queued.ClaimedByName);
        // A report that arrives after the claim joins it for the claimer, who resolves them all.
        await using var member = await app.ConnectAsync(Member);
        await member.ReportAsync(sent.Id, "harassment too");
        await moderator.ClaimAsync(sent.Id);
        await moderator.DismissAsync(sent.Id, "banter between friends");

        await using var db = await app.DbAsync();
        var reports = await db.Reports.Where(r => r.MessageId == sent.Id).ToListAsync();
        Assert.Equal(2, reports.Count);
        Assert.All(reports, r => Assert.Equal(ReportStatus.Dismissed, r.Status));
        Assert.DoesNotContain((await manager.GetQueueAsync()).Reports, r => r.Message.Id == sent.Id);
        Assert.Single(await app.AuditForAsync(sent.Id, AuditActions.ReportDismiss), e => e.Reason == "banter between friends");
    }

    [Fact]
    public async Task ResolveReportByDeleting_RoomSeesTheDeletionLiveAndStaffKeepTheText()
    {
        await using var author = await app.ConnectAsync(Customer2);
        await using var reporter = await app.ConnectAsync(Customer);
        await using var reader = await app.ConnectAsync(Member);
        await using var moderator = await app.ConnectAsync(Moderator);
        var sent = await author.SendAsync(General, "Scam link: free-nimbus.example");
        await reporter.ReportAsync(sent.Id, "spam: scam link");
        await reader.JoinRoomAsync(General);

        var deleted = await moderator.ResolveByDeletingAsync(sent.Id, "scam link");

        Assert.True(deleted.Deleted);
        Assert.Null(deleted.Body);
        Assert.Equal(deleted, await reader.Events.MessageUpdated.NextAsync());
        var entry = Assert.Single(await app.AuditForAsync(sent.Id, AuditActions.MessageDelete));
        Assert.Equal("scam link", entry.Reason);
        Assert.Equal("Scam link: free-nimbus.example", entry.Before);
        Assert.Equal("Theo Ruiz", entry.ActorName);
        // Once resolved, nothing more can be done with its reports.
        await HubAssert.RefusedAsync(() => moderator.DismissAsync(sent.Id, "changed my mind"), "has no open reports");
    }

    [Fact]
    public async Task GetReportContext_ShowsNeighboursHistoryAndSanctions()
    {
        await using var author = await app.ConnectAsync(Customer2);
        await using var other = await app.ConnectAsync(Member);
        await using var reporter = await app.ConnectAsync(Customer);
        await using var manager = await app.ConnectAsync(Manager);
        await other.SendAsync(Feedback, "ctx-before-1");
        await other.SendAsync(Feedback, "ctx-before-2");
        var sent = await author.SendAsync(Feedback, "ctx-reported");
        await other.SendAsync(Feedback, "ctx-after-1");
        await reporter.ReportAsync(sent.Id, "off-topic");
        var again = await author.SendAsync(Feedback, "ctx-reported-again");
        await reporter.ReportAsync(again.Id, "off-topic again");
        // Timed out for the first one (a timed-out author can no longer post: the context shows why).
        await manager.ResolveByTimeoutAsync(sent.Id, 10, "cool off");

        var context = await manager.GetContextAsync(again.Id);

        Assert.Equal(["ctx-before-2", "ctx-reported", "ctx-after-1"], context.Before.Select(m => m.Body));
        Assert.Empty(context.After);
        Assert.Equal("ctx-reported-again", context.AuthorHistory[0].Body);
        Assert.Contains(context.AuthorHistory, m => m.Id == sent.Id);
        var sanction = Assert.Single(context.Sanctions, s => s.Reason == "cool off");
        Assert.True(sanction.Active);
        Assert.Equal(SanctionKind.Timeout, sanction.Kind);
    }

    [Fact]
    public async Task ApproveHeld_Twice_PostsItOnceAsItsAuthor()
    {
        await using var reader = await app.ConnectAsync(Member);
        await using var manager = await app.ConnectAsync(Manager);
        await using var moderator = await app.ConnectAsync(Moderator);
        await reader.JoinRoomAsync(General);
        var held = await app.HoldAsync(Customer2, General, "Check my guide at guides.example");
        Assert.Contains((await manager.GetQueueAsync()).Held, h => h.Id == held.Id && h.Body == held.Body);

        var first = await manager.ApproveHeldAsync(held.Id);
        var second = await moderator.ApproveHeldAsync(held.Id);

        Assert.Equal(first, second);
        Assert.Equal(held.AuthorId, first.AuthorId);
        Assert.Equal(held.ClientMessageId, first.ClientMessageId);
        Assert.Equal(first, await reader.Events.MessageReceived.NextAsync());
        await using var db = await app.DbAsync();
        Assert.Equal(1, await db.Messages.CountAsync(m => m.ClientMessageId == held.ClientMessageId));
        Assert.Single(await app.AuditForAsync(first.Id, AuditActions.HeldApprove));
        Assert.DoesNotContain((await manager.GetQueueAsync()).Held, h => h.Id == held.Id);
        await HubAssert.RefusedAsync(() => manager.RejectHeldAsync(held.Id, "too late"), "already approved");
    }

    [Fact]
    public async Task RejectHeld_StoresNothingInTheRoomAndCannotBeApprovedAfter()
    {
        using var api = await app.CreateApiClientAsync(Manager);
        await using var moderator = await app.ConnectAsync(Moderator);
        var lastBefore = await api.GetLastSequenceAsync(General);
        var held = await app.HoldAsync(Customer2, General, "Buy now at shop.example");

        await moderator.RejectHeldAsync(held.Id, "advertising");
        await moderator.RejectHeldAsync(held.Id, "advertising");

        await HubAssert.RefusedAsync(() => moderator.ApproveHeldAsync(held.Id), "was rejected");
        Assert.Equal(lastBefore, await api.GetLastSequenceAsync(General));
        await using var db = await app.DbAsync();
        Assert.False(await db.Messages.AnyAsync(m => m.ClientMessageId == held.ClientMessageId));
        var entry = Assert.Single(await db.AuditEntries.Where(e => e.Action == AuditActions.HeldReject && e.Before == held.Body).ToListAsync());
        Assert.Equal("advertising", entry.Reason);
    }

    [Fact]
    public async Task EditMessage_HiddenByReports_AuthorIsRefusedUntilItShowsAgain()
    {
        await using var author = await app.ConnectAsync(Customer2);
        await using var manager = await app.ConnectAsync(Manager);
        var sent = await author.SendAsync(General, "Evidence as reported.");
        foreach (var email in new[] { Member, Moderator, Agent })
        {
            await using var reporter = await app.ConnectAsync(email);
            await reporter.ReportAsync(sent.Id, "harassment");
        }

        await HubAssert.RefusedAsync(() => author.EditAsync(sent.Id, "Nothing to see here."), "hidden while a moderator reviews it");

        var shown = await manager.UnhideAsync(sent.Id, "reviewed: fine");
        Assert.False(shown.Hidden);
        Assert.Equal("Evidence as reported.", shown.Body);
        Assert.Equal("Edited later.", (await author.EditAsync(sent.Id, "Edited later.")).Body);
        Assert.Single(await app.AuditForAsync(sent.Id, AuditActions.MessageUnhide), e => e.Reason == "reviewed: fine");
    }
    [Fact]
    public async Task ResolveReportByTimeout_IsTheOneTimeout_EnforcedLiveAuditedWithTheMessageAndClosesTheReports()
    {
        await using var author = await app.ConnectAsync(Customer2);
        await using var reporter = await app.ConnectAsync(Customer);
        await using var moderator = await app.ConnectAsync(Moderator);
        var sent = await author.SendAsync(General, "You are all idiots.");
        await reporter.ReportAsync(sent.Id, "harassment");

        await moderator.ResolveByTimeoutAsync(sent.Id, 30, "insults");

        // The sanction service's own announcement reaches the author's live connection, and its rules refuse the next send.
        var told = await author.Events.Sanctioned.NextMatchingAsync(s => s.Active && s.Kind == "timeout");
        Assert.Equal("insults", told.Reason);
        await HubAssert.RefusedAsync(() => author.SendAsync(General, "still here"), "You are timed out for 30 min");
        var entry = Assert.Single(await app.AuditForAsync(sent.Id, AuditActions.SanctionTimeout));
        Assert.Equal("Theo Ruiz", entry.ActorName);
        Assert.Equal(told.ExpiresAt, entry.ExpiresAt);
        await using var db = await app.DbAsync();
        Assert.All(await db.Reports.Where(r => r.MessageId == sent.Id).ToListAsync(), r =>
        {
            Assert.Equal(ReportStatus.Actioned, r.Status);
            Assert.Equal("Timed out for 30 min: insults", r.Resolution);
        });
    }

    [Fact]
    public async Task ResolveReportByTimeoutOrDelete_ClaimedByAnother_StoresNoSanctionNoDeletionAndNoAudit()
    {
        await using var author = await app.ConnectAsync(Customer2);
        await using var reporter = await app.ConnectAsync(Customer);
        await using var moderator = await app.ConnectAsync(Moderator);
        await using var manager = await app.ConnectAsync(Manager);
        var sent = await author.SendAsync(General, "Claimed before the manager acts.");
        await reporter.ReportAsync(sent.Id, "spam");
        await moderator.ClaimAsync(sent.Id);
        var reason = $"conflict-{Guid.NewGuid():N}";

        await HubAssert.RefusedAsync(() => manager.ResolveByTimeoutAsync(sent.Id, 10, reason), "Theo Ruiz has already claimed this report.");
        await HubAssert.RefusedAsync(() => manager.ResolveByDeletingAsync(sent.Id, reason), "Theo Ruiz has already claimed this report.");

        await using var db = await app.DbAsync();
        Assert.False(await db.Sanctions.AnyAsync(s => s.Reason == reason));
        Assert.Null((await db.Messages.SingleAsync(m => m.Id == sent.Id)).DeletedAt);
        Assert.False(await db.AuditEntries.AnyAsync(e => e.Reason == reason));
        Assert.All(await db.Reports.Where(r => r.MessageId == sent.Id).ToListAsync(), r => Assert.Equal(ReportStatus.Claimed, r.Status));
    }

    [Fact]
    public async Task ResolveReportByTimeout_ManagerOnASupportAgentsMessage_IsRefusedAsEveryTimeoutOfStaffIs()
    {
        await using var author = await app.ConnectAsync(Agent);
        await using var reporter = await app.ConnectAsync(Customer);
        await using var manager = await app.ConnectAsync(Manager);
        var sent = await author.SendAsync(General, "An agent's curt answer.");
        await reporter.ReportAsync(sent.Id, "rude");

        await HubAssert.RefusedAsync(() => manager.ResolveByTimeoutAsync(sent.Id, 10, "too curt"), "Staff can't be timed out or banned.");

        await using var db = await app.DbAsync();
        Assert.False(await db.Sanctions.AnyAsync(s => s.Reason == "too curt"));
        var attempt = Assert.Single(await app.AuditForAsync(sent.Id), e => e.Action != AuditActions.ReportCreate);
        Assert.Equal((AuditActions.AccessDenied, "Staff can't be timed out or banned.", "Maya Chen"), (attempt.Action, attempt.Reason, attempt.ActorName));
        Assert.All(await db.Reports.Where(r => r.MessageId == sent.Id).ToListAsync(), r => Assert.Equal(ReportStatus.Open, r.Status));
    }
}
