using Microsoft.AspNetCore.SignalR;
using Microsoft.EntityFrameworkCore;
using SupportCommunity.Moderation;
using static SupportCommunity.Web.Tests.Integration.Accounts;

namespace SupportCommunity.Web.Tests.Integration.Moderation;

/// <summary>
/// Every role against every queue action, on a reported message (and a held send) in a room the demo volunteer
/// moderator moderates (#general) and in one they do not (#billing). A refusal stores nothing; an allowed action is
/// audited with its reason.
/// </summary>
public sealed class QueueAuthorizationTests(ModerationAppFactory app) : IClassFixture<ModerationAppFactory>
{
    public enum QueueAction
    {
        GetQueue,
        GetContext,
        Claim,
        Dismiss,
        Delete,
        Timeout,
        Unhide,
        ApproveHeld,
        RejectHeld,
    }

    internal const string Allowed = "";
    internal const string OnlyStaff = "Only moderators and staff can use the moderation queue.";
    internal const string AgentsRead = "Support agents can read the moderation queue but not act on it.";
    internal const string NotInQueue = "in your queue.";

    private static readonly QueueAction[] Reads = [QueueAction.GetQueue, QueueAction.GetContext];

    public static TheoryData<string, string, QueueAction, string> Matrix()
    {
        var data = new TheoryData<string, string, QueueAction, string>();
        foreach (var action in Enum.GetValues<QueueAction>())
        {
            foreach (var room in new[] { General, Billing })
            {
                data.Add(Admin, room, action, Allowed);
                data.Add(Manager, room, action, Allowed);
                data.Add(Agent, room, action, Reads.Contains(action) ? Allowed : AgentsRead);
                data.Add(Moderator, room, action, room == General || action == QueueAction.GetQueue ? Allowed : NotInQueue);
                data.Add(Member, room, action, OnlyStaff);
                data.Add(Customer, room, action, OnlyStaff);
            }
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(Matrix))]
    public async Task QueueAction_ByRoleInRoom_IsAllowedOrRefusedAndRefusalsStoreNothing(string actor, string room, QueueAction action, string refusal)
    {
        // A Timeout case leaves the author timed out; every case starts from an author who may post.
        await app.LiftSanctionsAsync(Customer2);
        await using var author = await app.ConnectAsync(Customer2);
        await using var reporter = await app.ConnectAsync(Customer2 == actor ? Customer : Member == actor ? Customer : Member);
        await using var caller = await app.ConnectAsync(actor);
        var sent = await author.SendAsync(room, $"Reported in {room} for {action} by {actor}.");
        await reporter.ReportAsync(sent.Id, "harassment: test report");
        await using (var db = await app.DbAsync())
        {
            await db.Messages.Where(m => m.Id == sent.Id).ExecuteUpdateAsync(s => s.SetProperty(m => m.HiddenAt, DateTimeOffset.UtcNow));
        }

        var held = await app.HoldAsync(Customer2, room, $"Held in {room} for {action} by {actor}: see example.com");
        var reason = $"reason-{Guid.NewGuid():N}";
        var auditBefore = await CountAuditAsync();

        Func<Task> call = action switch
        {
            QueueAction.GetQueue => async () =>
            {
                var queue = await caller.GetQueueAsync();
                // Out of scope means out of the list.
                Assert.Equal(refusal == Allowed && (room == General || actor != Moderator), queue.Reports.Any(r => r.Message.Id == sent.Id));
            },
            QueueAction.GetContext => () => caller.GetContextAsync(sent.Id),
            QueueAction.Claim => () => caller.ClaimAsync(sent.Id),
            QueueAction.Dismiss => () => caller.DismissAsync(sent.Id, reason),
            QueueAction.Delete => () => caller.ResolveByDeletingAsync(sent.Id, reason),
            QueueAction.Timeout => () => caller.ResolveByTimeoutAsync(sent.Id, 60, reason),
            QueueAction.Unhide => () => caller.UnhideAsync(sent.Id, reason),
            QueueAction.ApproveHeld => () => caller.ApproveHeldAsync(held.Id),
            QueueAction.RejectHeld => () => caller.RejectHeldAsync(held.Id, reason),
            _ => throw new ArgumentOutOfRangeException(nameof(action)),
        };

        if (refusal != Allowed)
        {
            await HubAssert.RefusedAsync(call, refusal);
            await AssertUntouchedAsync(sent.Id, held.Id, auditBefore, reason);
            return;
        }

        await call();
        await AssertAppliedAsync(app, action, sent.Id, held, reason, auditBefore);
    }

    /// <summary>What an allowed queue action must have stored: its change and its audit entry with the reason.</summary>
    internal static async Task AssertAppliedAsync(CommunityAppFactory app, QueueAction action, long messageId, HeldMessage held, string reason, long auditBefore)
    {
        await using var check = await app.DbAsync();
        var entries = await check.AuditEntries.Where(e => e.Id > auditBefore).ToListAsync();
        var message = await check.Messages.SingleAsync(m => m.Id == messageId);
        switch (action)
        {
            case QueueAction.GetQueue or QueueAction.GetContext:
                Assert.Empty(entries);
                break;
            case QueueAction.Claim:
                Assert.All(await check.Reports.Where(r => r.MessageId == messageId).ToListAsync(), r => Assert.Equal(ReportStatus.Claimed, r.Status));
                Assert.Contains(entries, e => e.Action == AuditActions.ReportClaim && e.MessageId == messageId);
                break;
            case QueueAction.Dismiss:
                Assert.Null(message.HiddenAt);
                Assert.Contains(entries, e => e.Action == AuditActions.ReportDismiss && e.Reason == reason);
                Assert.Contains(entries, e => e.Action == AuditActions.MessageUnhide && e.Reason == reason);
                Assert.All(await check.Reports.Where(r => r.MessageId == messageId).ToListAsync(), r => Assert.Equal(ReportStatus.Dismissed, r.Status));
                break;
            case QueueAction.Delete:
                Assert.NotNull(message.DeletedAt);
                Assert.Contains(entries, e => e.Action == AuditActions.MessageDelete && e.Reason == reason && e.Before == message.Body);
                Assert.All(await check.Reports.Where(r => r.MessageId == messageId).ToListAsync(), r => Assert.Equal(ReportStatus.Actioned, r.Status));
                break;
            case QueueAction.Timeout:
                var entry = Assert.Single(entries, e => e.Action == AuditActions.SanctionTimeout && e.Reason == reason);
                Assert.NotNull(entry.ExpiresAt);
                Assert.True(await check.Sanctions.AnyAsync(s => s.UserId == message.AuthorId && s.Reason == reason && s.Kind == SanctionKind.Timeout));
                break;
            case QueueAction.Unhide:
                Assert.Null(message.HiddenAt);
                Assert.Contains(entries, e => e.Action == AuditActions.MessageUnhide && e.Reason == reason);
                break;
            case QueueAction.ApproveHeld:
                Assert.Equal(HeldStatus.Approved, (await check.HeldMessages.SingleAsync(h => h.Id == held.Id)).Status);
                Assert.Contains(entries, e => e.Action == AuditActions.HeldApprove);
                Assert.True(await check.Messages.AnyAsync(m => m.ClientMessageId == held.ClientMessageId));
                break;
            case QueueAction.RejectHeld:
                Assert.Equal(HeldStatus.Rejected, (await check.HeldMessages.SingleAsync(h => h.Id == held.Id)).Status);
                Assert.Contains(entries, e => e.Action == AuditActions.HeldReject && e.Reason == reason);
                Assert.False(await check.Messages.AnyAsync(m => m.ClientMessageId == held.ClientMessageId));
                break;
        }
    }

    [Theory]
    [InlineData(Moderator, Manager, "Volunteer moderators can't act against staff.")]
    [InlineData(Moderator, Agent, "Volunteer moderators can't act against staff.")]
    [InlineData(Manager, Admin, "You can't act against staff of your own rank or above.")]
    public async Task DeleteOrTimeout_AgainstStaff_IsRefusedAndStoresNothing(string actor, string target, string refusal)
    {
        await using var author = await app.ConnectAsync(target);
        await using var reporter = await app.ConnectAsync(Customer);
        await using var caller = await app.ConnectAsync(actor);
        var sent = await author.SendAsync(General, "A staff message someone reported.");
        await reporter.ReportAsync(sent.Id, "other: I don't like it");
        var auditBefore = await CountAuditAsync();

        await HubAssert.RefusedAsync(() => caller.ResolveByDeletingAsync(sent.Id, "because"), refusal);
        await HubAssert.RefusedAsync(() => caller.ResolveByTimeoutAsync(sent.Id, 10, "because"), refusal);

        await AssertUntouchedAsync(sent.Id, heldId: null, auditBefore, "because");
    }

    [Fact]
    public async Task QueueActions_ByHttp_AsCustomer_AreForbidden()
    {
        using var api = await app.CreateApiClientAsync(Customer);

        using var queue = await api.GetAsync(new Uri("/api/moderation/queue", UriKind.Relative));
        using var dismiss = await api.PostAsync(new Uri("/api/moderation/queue/messages/1/dismiss", UriKind.Relative),
            System.Net.Http.Json.JsonContent.Create(new { reason = "nothing wrong" }));

        Assert.Equal(System.Net.HttpStatusCode.Forbidden, queue.StatusCode);
        Assert.Equal(System.Net.HttpStatusCode.Forbidden, dismiss.StatusCode);
    }

    private Task<long> CountAuditAsync() => CountAuditAsync(app);

    private Task AssertUntouchedAsync(long messageId, long? heldId, long auditBefore, string reason) =>
        AssertUntouchedAsync(app, messageId, heldId, auditBefore, reason);

    internal static async Task<long> CountAuditAsync(CommunityAppFactory app)
    {
        await using var db = await app.DbAsync();
        return await db.AuditEntries.MaxAsync(e => (long?)e.Id) ?? 0;
    }

    /// <summary>A refused queue action stored nothing: the message, its reports, sanctions, the held send and the log are as they were.</summary>
    internal static async Task AssertUntouchedAsync(CommunityAppFactory app, long messageId, long? heldId, long auditBefore, string reason)
    {
        await using var db = await app.DbAsync();
        var message = await db.Messages.SingleAsync(m => m.Id == messageId);
        Assert.Null(message.DeletedAt);
        Assert.All(await db.Reports.Where(r => r.MessageId == messageId).ToListAsync(), r =>
        {
            Assert.Equal(ReportStatus.Open, r.Status);
            Assert.Null(r.ClaimedById);
        });
        Assert.False(await db.Sanctions.AnyAsync(s => s.Reason == reason));
        if (heldId is { } id)
        {
            Assert.Equal(HeldStatus.Pending, (await db.HeldMessages.SingleAsync(h => h.Id == id)).Status);
        }

        // Only the attempt itself may be in the log (a refusal for lack of rights), never a change.
        Assert.All(
            await db.AuditEntries.Where(e => e.Id > auditBefore && (e.MessageId == messageId || e.TargetUserId == message.AuthorId)).ToListAsync(),
            e => Assert.Equal(AuditActions.AccessDenied, e.Action));
    }
}
