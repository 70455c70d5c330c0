using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using SupportCommunity.Data;
using SupportCommunity.Events;
using SupportCommunity.Identity;
using SupportCommunity.Messages;
using SupportCommunity.Rooms;

namespace SupportCommunity.Moderation;

/// <summary>
/// Reports and the moderation queue (issue 6 item 6, ADR-0010). Members report messages; open reports from trusted
/// members hide a message; moderators work the queue (claim, dismiss, delete, timeout, unhide) together with the sends
/// automod held for review (approve, reject).
/// </summary>
/// <remarks>
/// Who sees what: community managers and admins see and act on every room; support agents see every room read-only;
/// volunteer moderators see and act on the rooms they moderate only, and never against staff or other moderators.
/// Everyone else is refused. Every action writes its audit entry in the same transaction.
/// </remarks>
public sealed partial class ModerationQueueService(
    IDbContextFactory<CommunityDbContext> dbFactory,
    RoomDirectory directory,
    MessageService messages,
    MessageWriter writer,
    SanctionService sanctions,
    RefusalAudit refusals,
    IRoomEventBus bus,
    ReportGuard guard,
    IOptions<ReportOptions> options,
    TimeProvider clock,
    ILogger<ModerationQueueService> logger)
{
    public const int MinReason = 3;
    public const int MaxReason = 500;

    /// <summary>1 minute to 28 days (issue 6).</summary>
    public const int MaxTimeoutMinutes = 28 * 24 * 60;

    private const int ContextSize = 3;
    private const int HistorySize = 10;
    private const int MaxQueueReports = 500;

    private static readonly string[] TrustedRoles =
        [CommunityRoles.Admin, CommunityRoles.CommunityManager, CommunityRoles.SupportAgent, CommunityRoles.VolunteerModerator, CommunityRoles.TrustedMember];

    /// <summary>The actor of automatic actions in the audit log.</summary>
    public static readonly Actor AutoHide = new("system:auto-hide", "Auto-hide (trusted reports)", new HashSet<string>());

    private readonly ReportOptions _options = options.Value;

    /// <summary>May this user see the queue at all (the nav badge, the page)?</summary>
    public static bool MaySee(Actor? actor) =>
        actor is not null && (actor.IsStaff || actor.Roles.Contains(CommunityRoles.VolunteerModerator));

    /// <summary>
    /// Files a report. One per member and message: a second one stores nothing and says so. The message hides
    /// itself once <see cref="ReportOptions.AutoHideReports"/> trusted members have open reports on it.
    /// </summary>
    public async Task<ReportReceipt> ReportAsync(Actor actor, long messageId, string? reason, CancellationToken cancellationToken = default)
    {
        var text = Reason(reason);
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        var (message, room) = await FindReadableAsync(db, actor, messageId, cancellationToken);
        if (message.AuthorId == actor.UserId)
        {
            throw CommunityException.Invalid("You can't report your own message.");
        }

        if (message.DeletedAt is not null)
        {
            throw new CommunityException(CommunityError.Conflict, "This message was already removed.");
        }

        var existing = await db.Reports.AsNoTracking()
            .SingleOrDefaultAsync(r => r.MessageId == messageId && r.ReporterId == actor.UserId, cancellationToken);
        if (existing is not null)
        {
            return new ReportReceipt(existing.Id, messageId, AlreadyReported: true, message.HiddenAt is not null);
        }

        guard.Charge(actor);
        var report = new Report
        {
            MessageId = messageId,
            RoomId = room.Id,
            ReporterId = actor.UserId,
            Reason = text,
            CreatedAt = clock.GetUtcNow(),
            Status = ReportStatus.Open,
        };
        db.Reports.Add(report);
        AuditLog.Add(db, actor, AuditActions.ReportCreate, text, report.CreatedAt,
            targetUserId: message.AuthorId, targetName: message.AuthorName, roomId: room.Id, messageId: messageId);
        try
        {
            await db.SaveChangesAsync(cancellationToken);
        }
        catch (DbUpdateException)
        {
            // The same member's report arrived twice at once (two tabs, a retry on another node): the other one won.
            await using var again = await dbFactory.CreateDbContextAsync(cancellationToken);
            var raced = await again.Reports.AsNoTracking()
                .SingleOrDefaultAsync(r => r.MessageId == messageId && r.ReporterId == actor.UserId, cancellationToken);
            return raced is null ? throw new CommunityException(CommunityError.Conflict, "Your report could not be saved. Please try again.")
                : new ReportReceipt(raced.Id, messageId, AlreadyReported: true, message.HiddenAt is not null);
        }

        var hidden = message.HiddenAt is not null;
        if (!hidden && actor.IsTrusted && await CountTrustedReportsAsync(db, messageId, cancellationToken) >= _options.AutoHideReports)
        {
            var dto = await messages.ChangeForModerationAsync(
                messageId,
                m => m.HiddenAt is null && m.DeletedAt is null ? m => m.HiddenAt = clock.GetUtcNow() : null,
                (db2, m, r, changed) =>
                {
                    if (changed)
                    {
                        AuditLog.Add(db2, AutoHide, AuditActions.MessageHide,
                            $"Hidden after {_options.AutoHideReports} reports from trusted members.", clock.GetUtcNow(),
                            targetUserId: m.AuthorId, targetName: m.AuthorName, roomId: r.Id, messageId: m.Id);
                    }

                    return Task.CompletedTask;
                },
                cancellationToken);
            hidden = dto.Hidden;
        }

        await NotifyChangedAsync(room.Slug);
        return new ReportReceipt(report.Id, messageId, AlreadyReported: false, hidden);
    }

    /// <summary>Open reports (grouped per message) and held sends in the caller's scope, oldest first.</summary>
    public async Task<ModerationQueueView> GetAsync(Actor actor, CancellationToken cancellationToken = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        var scope = await ScopeAsync(db, actor, cancellationToken);

        var reports = await scope.Filter(db.Reports.AsNoTracking().Where(r => r.Status == ReportStatus.Open || r.Status == ReportStatus.Claimed), r => r.RoomId)
            .OrderBy(r => r.Id)
            .Take(MaxQueueReports)
            .ToListAsync(cancellationToken);
        var held = await scope.Filter(db.HeldMessages.AsNoTracking().Where(h => h.Status == HeldStatus.Pending), h => h.RoomId)
            .OrderBy(h => h.Id)
            .Take(MaxQueueReports)
            .ToListAsync(cancellationToken);

        var messageIds = reports.Select(r => r.MessageId).Distinct().ToList();
        var reported = await db.Messages.AsNoTracking().Where(m => messageIds.Contains(m.Id)).ToDictionaryAsync(m => m.Id, cancellationToken);
        var roomIds = reports.Select(r => r.RoomId).Concat(held.Select(h => h.RoomId)).Distinct().ToList();
        var rooms = await db.Rooms.AsNoTracking().Where(r => roomIds.Contains(r.Id))
            .ToDictionaryAsync(r => r.Id, r => (r.Slug, r.Name), cancellationToken);
        var userIds = reports.Select(r => r.ReporterId).Concat(reports.Where(r => r.ClaimedById != null).Select(r => r.ClaimedById!)).Distinct().ToList();
        var names = await db.Users.AsNoTracking().Where(u => userIds.Contains(u.Id))
            .ToDictionaryAsync(u => u.Id, u => u.DisplayName, cancellationToken);

        var items = reports
            .GroupBy(r => r.MessageId)
            .Where(g => reported.ContainsKey(g.Key))
            .Select(g =>
            {
                var message = reported[g.Key];
                var room = rooms[message.RoomId];
                var claimedBy = g.Select(r => r.ClaimedById).FirstOrDefault(c => c is not null);
                return new ReportedMessage(
                    ToQueue(message, room.Slug),
                    room.Name,
                    [.. g.Select(r => new ReportEntry(r.Id, r.ReporterId, names.GetValueOrDefault(r.ReporterId, "Member"), r.Reason, r.CreatedAt))],
                    claimedBy,
                    claimedBy is null ? null : names.GetValueOrDefault(claimedBy, "A moderator"),
                    scope.CanActIn(message.RoomId));
            })
            .ToList();
        var heldItems = held
            .Select(h => new HeldItem(h.Id, rooms[h.RoomId].Slug, rooms[h.RoomId].Name, h.AuthorId, h.AuthorName, h.AuthorRole,
                h.Body, h.Rule, h.CreatedAt, scope.CanActIn(h.RoomId)))
            .ToList();
        return new ModerationQueueView(items, heldItems);
    }

    /// <summary>How many items wait in the caller's queue (reported messages plus held sends); 0 for members.</summary>
    public async Task<int> CountAsync(Actor actor, CancellationToken cancellationToken = default)
    {
        if (!MaySee(actor))
        {
            return 0;
        }

        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        var scope = await ScopeAsync(db, actor, cancellationToken);
        var reported = await scope.Filter(db.Reports.Where(r => r.Status == ReportStatus.Open || r.Status == ReportStatus.Claimed), r => r.RoomId)
            .Select(r => r.MessageId).Distinct().CountAsync(cancellationToken);
        var held = await scope.Filter(db.HeldMessages.Where(h => h.Status == HeldStatus.Pending), h => h.RoomId).CountAsync(cancellationToken);
        return reported + held;
    }

    /// <summary>The messages around a reported one, its author's recent messages and their sanctions.</summary>
    public async Task<ReportContext> GetContextAsync(Actor actor, long messageId, CancellationToken cancellationToken = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        var scope = await ScopeAsync(db, actor, cancellationToken);
        var message = await db.Messages.AsNoTracking().SingleOrDefaultAsync(m => m.Id == messageId, cancellationToken);
        if (message is null || !scope.CanSee(message.RoomId))
        {
            throw CommunityException.NotFound($"There is no message {messageId} in your queue.");
        }

        var slugs = await db.Rooms.AsNoTracking().ToDictionaryAsync(r => r.Id, r => r.Slug, cancellationToken);
        var before = await db.Messages.AsNoTracking()
            .Where(m => m.RoomId == message.RoomId && m.Sequence < message.Sequence)
            .OrderByDescending(m => m.Sequence).Take(ContextSize).ToListAsync(cancellationToken);
        var after = await db.Messages.AsNoTracking()
            .Where(m => m.RoomId == message.RoomId && m.Sequence > message.Sequence)
            .OrderBy(m => m.Sequence).Take(ContextSize).ToListAsync(cancellationToken);
        var history = await scope.Filter(db.Messages.AsNoTracking().Where(m => m.AuthorId == message.AuthorId), m => m.RoomId)
            .OrderByDescending(m => m.Id).Take(HistorySize).ToListAsync(cancellationToken);
        var sanctions = await db.Sanctions.AsNoTracking()
            .Where(s => s.UserId == message.AuthorId)
            .OrderByDescending(s => s.Id).Take(20).ToListAsync(cancellationToken);
        var now = clock.GetUtcNow();

        return new ReportContext(
            ToQueue(message, slugs[message.RoomId]),
            [.. before.AsEnumerable().Reverse().Select(m => ToQueue(m, slugs[m.RoomId]))],
            [.. after.Select(m => ToQueue(m, slugs[m.RoomId]))],
            [.. history.Select(m => ToQueue(m, slugs[m.RoomId]))],
            [.. sanctions.Select(s =>
            {
                var active = s.RevokedAt == null && (s.ExpiresAt == null || s.ExpiresAt > now);
                var canLift = active && scope.CanActIn(message.RoomId) && (actor.ManagesCommunity
                    || (s.Kind == SanctionKind.RoomBan && s.RoomId is { } banned && scope.CanActIn(banned))
                    || (s.Kind == SanctionKind.Timeout && s.CreatedById == actor.UserId));
                return new SanctionView(
                    s.Id, s.Kind, s.RoomId is { } room ? slugs.GetValueOrDefault(room) : null, s.Reason, s.CreatedAt, s.ExpiresAt, s.RevokedAt,
                    active, canLift);
            })]);
    }

    /// <summary>Takes the message's open reports, so that two moderators don't work the same one.</summary>
    public Task ClaimAsync(Actor actor, long messageId, CancellationToken cancellationToken = default) =>
        refusals.GuardAsync(actor, new AttemptedAction(AuditActions.ReportClaim, MessageId: messageId), () => ClaimCheckedAsync(actor, messageId, cancellationToken));

    private async Task ClaimCheckedAsync(Actor actor, long messageId, CancellationToken cancellationToken)
    {
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        var scope = await ScopeAsync(db, actor, cancellationToken);
        var message = await FindActionableAsync(db, scope, actor, messageId, cancellationToken);

        await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
        // One statement claims what is free (or already ours); whatever someone else holds is left as it is.
        var claimed = await db.Reports
            .Where(r => r.MessageId == messageId && (r.Status == ReportStatus.Open || r.Status == ReportStatus.Claimed)
                        && (r.ClaimedById == null || r.ClaimedById == actor.UserId))
            .ExecuteUpdateAsync(s => s.SetProperty(r => r.Status, ReportStatus.Claimed).SetProperty(r => r.ClaimedById, actor.UserId), cancellationToken);
        var (heldBy, pending) = await PendingStateAsync(db, actor, messageId, cancellationToken);
        if (pending == 0)
        {
            throw NoOpenReports(messageId);
        }

        if (heldBy is not null)
        {
            throw ClaimedBy(heldBy);
        }

        AuditLog.Add(db, actor, AuditActions.ReportClaim, "Claimed from the queue.", clock.GetUtcNow(),
            targetUserId: message.AuthorId, targetName: message.AuthorName, roomId: message.RoomId, messageId: messageId);
        await db.SaveChangesAsync(cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        if (claimed > 0)
        {
            await NotifyChangedAsync(await SlugAsync(message.RoomId, cancellationToken));
        }
    }

    /// <summary>Closes the message's reports as unfounded; a message hidden by them shows again.</summary>
    public Task<MessageDto> DismissAsync(Actor actor, long messageId, string? reason, CancellationToken cancellationToken = default) =>
        refusals.GuardAsync(actor, new AttemptedAction(AuditActions.ReportDismiss, MessageId: messageId), () => DismissCheckedAsync(actor, messageId, reason, cancellationToken));

    private Task<MessageDto> DismissCheckedAsync(Actor actor, long messageId, string? reason, CancellationToken cancellationToken)
    {
        var text = Reason(reason);
        return ResolveAsync(actor, messageId, ReportStatus.Dismissed, "Dismissed: " + text,
            plan: m => m.HiddenAt is not null ? m => m.HiddenAt = null : null,
            record: (db, m, room, changed) =>
            {
                AuditLog.Add(db, actor, AuditActions.ReportDismiss, text, clock.GetUtcNow(),
                    targetUserId: m.AuthorId, targetName: m.AuthorName, roomId: room.Id, messageId: m.Id);
                if (changed)
                {
                    AuditLog.Add(db, actor, AuditActions.MessageUnhide, text, clock.GetUtcNow(),
                        targetUserId: m.AuthorId, targetName: m.AuthorName, roomId: room.Id, messageId: m.Id, before: "hidden", after: "shown");
                }
            },
            cancellationToken);
    }

    /// <summary>
    /// Deletes the reported message and closes its reports, through <see cref="MessageService.ModerateDeleteAsync(Actor, long, string?, CancellationToken)"/>:
    /// the one deletion there is (soft, audited with the text, published), with the reports' resolution in its transaction.
    /// </summary>
    public Task<MessageDto> DeleteAsync(Actor actor, long messageId, string? reason, CancellationToken cancellationToken = default) =>
        refusals.GuardAsync(actor, new AttemptedAction(AuditActions.MessageDelete, MessageId: messageId), () => DeleteCheckedAsync(actor, messageId, reason, cancellationToken));

    private async Task<MessageDto> DeleteCheckedAsync(Actor actor, long messageId, string? reason, CancellationToken cancellationToken)
    {
        var text = Reason(reason);
        var (_, slug) = await CheckResolvableAsync(actor, messageId, cancellationToken);
        var dto = await messages.ModerateDeleteAsync(actor, messageId, text,
            (db, _) => CloseReportsAsync(db, actor, messageId, ReportStatus.Actioned, "Deleted: " + text, cancellationToken),
            cancellationToken);
        await NotifyChangedAsync(slug);
        return dto;
    }

    /// <summary>
    /// Times the reported message's author out (they may read, not post) and closes the message's reports, through
    /// <see cref="SanctionService"/>: the one timeout there is (its rules, audit entry and live enforcement), with the
    /// reports' resolution in its transaction.
    /// </summary>
    public Task<MessageDto> TimeoutAuthorAsync(Actor actor, long messageId, int minutes, string? reason, CancellationToken cancellationToken = default) =>
        refusals.GuardAsync(actor, new AttemptedAction(AuditActions.SanctionTimeout, MessageId: messageId),
            () => TimeoutAuthorCheckedAsync(actor, messageId, minutes, reason, cancellationToken));

    private async Task<MessageDto> TimeoutAuthorCheckedAsync(Actor actor, long messageId, int minutes, string? reason, CancellationToken cancellationToken)
    {
        var text = Reason(reason);
        if (minutes < 1 || minutes > MaxTimeoutMinutes)
        {
            throw CommunityException.Invalid("A timeout lasts from 1 minute to 28 days.");
        }

        var duration = TimeSpan.FromMinutes(minutes);
        var (message, slug) = await CheckResolvableAsync(actor, messageId, cancellationToken);
        await sanctions.TimeoutAsync(actor, message.AuthorId, duration, text, slug, messageId,
            db => CloseReportsAsync(db, actor, messageId, ReportStatus.Actioned, $"Timed out for {Describe(duration)}: {text}", cancellationToken),
            cancellationToken);
        await NotifyChangedAsync(slug);
        return MessageDto.From(message, slug);
    }

    /// <summary>Shows a message hidden by reports again; its reports stay in the queue until dismissed or acted on.</summary>
    public Task<MessageDto> UnhideAsync(Actor actor, long messageId, string? reason, CancellationToken cancellationToken = default) =>
        refusals.GuardAsync(actor, new AttemptedAction(AuditActions.MessageUnhide, MessageId: messageId), () => UnhideCheckedAsync(actor, messageId, reason, cancellationToken));

    private async Task<MessageDto> UnhideCheckedAsync(Actor actor, long messageId, string? reason, CancellationToken cancellationToken)
    {
        var text = Reason(reason);
        await using (var db = await dbFactory.CreateDbContextAsync(cancellationToken))
        {
            var scope = await ScopeAsync(db, actor, cancellationToken);
            _ = await FindActionableAsync(db, scope, actor, messageId, cancellationToken);
        }

        var dto = await messages.ChangeForModerationAsync(
            messageId,
            m => m.HiddenAt is not null ? m => m.HiddenAt = null : null,
            (db, m, room, changed) =>
            {
                if (changed)
                {
                    AuditLog.Add(db, actor, AuditActions.MessageUnhide, text, clock.GetUtcNow(),
                        targetUserId: m.AuthorId, targetName: m.AuthorName, roomId: room.Id, messageId: m.Id, before: "hidden", after: "shown");
                }

                return Task.CompletedTask;
            },
            cancellationToken);
        await NotifyChangedAsync(dto.RoomSlug);
        return dto;
    }

    /// <summary>
    /// Sends a held message into its room as its author, with its own client message id: approving twice (or on two
    /// nodes at once) posts it once.
    /// </summary>
    public Task<MessageDto> ApproveHeldAsync(Actor actor, long heldId, CancellationToken cancellationToken = default) =>
        refusals.GuardAsync(actor, new AttemptedAction(AuditActions.HeldApprove, HeldId: heldId), () => ApproveHeldCheckedAsync(actor, heldId, cancellationToken));

    private async Task<MessageDto> ApproveHeldCheckedAsync(Actor actor, long heldId, CancellationToken cancellationToken)
    {
        HeldMessage held;
        string slug;
        await using (var db = await dbFactory.CreateDbContextAsync(cancellationToken))
        {
            var scope = await ScopeAsync(db, actor, cancellationToken);
            held = await FindHeldAsync(db, scope, actor, heldId, cancellationToken);
            slug = await db.Rooms.Where(r => r.Id == held.RoomId).Select(r => r.Slug).SingleAsync(cancellationToken);
            if (held.Status == HeldStatus.Rejected)
            {
                throw new CommunityException(CommunityError.Conflict, "This message was rejected and can no longer be approved.");
            }
        }

        var author = new Actor(held.AuthorId, held.AuthorName, new HashSet<string>(StringComparer.Ordinal) { held.AuthorRole });
        Message message;
        try
        {
            // Straight to the writer: the send already passed the room's checks when it was held, and automod must
            // not hold it again. A retry of a stored send gets that message back.
            message = await writer.WriteAsync(new NewMessage(
                held.RoomId, slug, author, held.ClientMessageId, held.Body, held.ReplyToSequence, clock.GetUtcNow()))
                .WaitAsync(cancellationToken);
        }
        catch (DbUpdateException)
        {
            await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
            message = await db.Messages.AsNoTracking()
                .SingleAsync(m => m.AuthorId == held.AuthorId && m.ClientMessageId == held.ClientMessageId, cancellationToken);
        }

        await using (var db = await dbFactory.CreateDbContextAsync(cancellationToken))
        {
            await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
            var now = clock.GetUtcNow();
            var marked = await db.HeldMessages.Where(h => h.Id == heldId && h.Status == HeldStatus.Pending)
                .ExecuteUpdateAsync(s => s.SetProperty(h => h.Status, HeldStatus.Approved)
                    .SetProperty(h => h.ReviewedById, actor.UserId).SetProperty(h => h.ReviewedAt, now), cancellationToken);
            if (marked > 0)
            {
                AuditLog.Add(db, actor, AuditActions.HeldApprove, $"Approved (held by rule \"{held.Rule}\").", now,
                    targetUserId: held.AuthorId, targetName: held.AuthorName, roomId: held.RoomId, messageId: message.Id, after: held.Body);
                await db.SaveChangesAsync(cancellationToken);
            }

            await transaction.CommitAsync(cancellationToken);
            if (marked > 0)
            {
                await NotifyChangedAsync(slug);
            }
        }

        return MessageDto.From(message, slug);
    }

    /// <summary>Rejects a held message: it never reaches the room. Rejecting twice stores nothing new.</summary>
    public Task RejectHeldAsync(Actor actor, long heldId, string? reason, CancellationToken cancellationToken = default) =>
        refusals.GuardAsync(actor, new AttemptedAction(AuditActions.HeldReject, HeldId: heldId), () => RejectHeldCheckedAsync(actor, heldId, reason, cancellationToken));

    private async Task RejectHeldCheckedAsync(Actor actor, long heldId, string? reason, CancellationToken cancellationToken)
    {
        var text = Reason(reason);
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        var scope = await ScopeAsync(db, actor, cancellationToken);
        var held = await FindHeldAsync(db, scope, actor, heldId, cancellationToken);
        if (held.Status == HeldStatus.Rejected)
        {
            return;
        }

        if (held.Status == HeldStatus.Approved)
        {
            throw new CommunityException(CommunityError.Conflict, "This message was already approved and is in the room.");
        }

        await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
        var now = clock.GetUtcNow();
        var marked = await db.HeldMessages.Where(h => h.Id == heldId && h.Status == HeldStatus.Pending)
            .ExecuteUpdateAsync(s => s.SetProperty(h => h.Status, HeldStatus.Rejected)
                .SetProperty(h => h.ReviewedById, actor.UserId).SetProperty(h => h.ReviewedAt, now), cancellationToken);
        if (marked == 0)
        {
            return; // another moderator decided first
        }

        AuditLog.Add(db, actor, AuditActions.HeldReject, text, now,
            targetUserId: held.AuthorId, targetName: held.AuthorName, roomId: held.RoomId, before: held.Body);
        await db.SaveChangesAsync(cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        await NotifyChangedAsync(await SlugAsync(held.RoomId, cancellationToken));
    }

    /// <summary>Tells staff views that a room's queue changed. Anything that adds held messages or reports calls it after commit.</summary>
    public async Task NotifyChangedAsync(string roomSlug)
    {
        try
        {
            await bus.PublishAsync(new ModerationQueueChanged(roomSlug), CancellationToken.None);
        }
        catch (Exception ex)
        {
            PublishFailed(ex);
        }
    }

    private async Task<MessageDto> ResolveAsync(
        Actor actor,
        long messageId,
        ReportStatus status,
        string resolution,
        Func<Message, Action<Message>?> plan,
        Action<CommunityDbContext, Message, Room, bool> record,
        CancellationToken cancellationToken)
    {
        await CheckResolvableAsync(actor, messageId, cancellationToken, protectAuthor: false);
        var dto = await messages.ChangeForModerationAsync(messageId, plan, async (db, m, room, changed) =>
        {
            await CloseReportsAsync(db, actor, messageId, status, resolution, cancellationToken);
            record(db, m, room, changed);
        }, cancellationToken);
        await NotifyChangedAsync(dto.RoomSlug);
        return dto;
    }

    /// <summary>
    /// The queue's own rules before a resolution: the message is in the caller's queue and they may act in its room,
    /// and (for delete and timeout) its author is within their reach. The action's service checks its own rules again.
    /// </summary>
    private async Task<(Message Message, string RoomSlug)> CheckResolvableAsync(
        Actor actor, long messageId, CancellationToken cancellationToken, bool protectAuthor = true)
    {
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        var scope = await ScopeAsync(db, actor, cancellationToken);
        var message = await FindActionableAsync(db, scope, actor, messageId, cancellationToken);
        if (protectAuthor)
        {
            await EnsureMayActAgainstAsync(db, actor, message.AuthorId, cancellationToken);
        }

        var slug = await db.Rooms.Where(r => r.Id == message.RoomId).Select(r => r.Slug).SingleAsync(cancellationToken);
        return (message, slug);
    }

    /// <summary>
    /// Closes the message's open reports inside the action's transaction. Checked again there: reports claimed by
    /// someone else or resolved meanwhile refuse the action whole.
    /// </summary>
    private async Task CloseReportsAsync(
        CommunityDbContext db, Actor actor, long messageId, ReportStatus status, string resolution, CancellationToken cancellationToken)
    {
        var (heldBy, pending) = await PendingStateAsync(db, actor, messageId, cancellationToken);
        if (pending == 0)
        {
            throw NoOpenReports(messageId);
        }

        if (heldBy is not null)
        {
            throw ClaimedBy(heldBy);
        }

        var now = clock.GetUtcNow();
        await db.Reports
            .Where(r => r.MessageId == messageId && (r.Status == ReportStatus.Open || r.Status == ReportStatus.Claimed))
            .ExecuteUpdateAsync(s => s.SetProperty(r => r.Status, status).SetProperty(r => r.ResolvedById, actor.UserId)
                .SetProperty(r => r.ResolvedAt, now).SetProperty(r => r.Resolution, resolution.Length > MaxReason ? resolution[..MaxReason] : resolution),
                cancellationToken);
    }

    /// <summary>Whoever else holds a claim on the message's open reports (null: nobody), and how many are open.</summary>
    private static async Task<(string? ClaimedByOther, int Pending)> PendingStateAsync(
        CommunityDbContext db, Actor actor, long messageId, CancellationToken cancellationToken)
    {
        var pending = await db.Reports
            .Where(r => r.MessageId == messageId && (r.Status == ReportStatus.Open || r.Status == ReportStatus.Claimed))
            .Select(r => r.ClaimedById)
            .ToListAsync(cancellationToken);
        var other = pending.FirstOrDefault(c => c is not null && c != actor.UserId);
        if (other is null)
        {
            return (null, pending.Count);
        }

        var name = await db.Users.Where(u => u.Id == other).Select(u => u.DisplayName).SingleOrDefaultAsync(cancellationToken);
        return (name ?? "Another moderator", pending.Count);
    }

    private static async Task<QueueScope> ScopeAsync(CommunityDbContext db, Actor actor, CancellationToken cancellationToken)
    {
        if (!MaySee(actor))
        {
            throw CommunityException.Forbidden("Only moderators and staff can use the moderation queue.");
        }

        if (actor.ManagesCommunity)
        {
            return new QueueScope(SeesAll: true, ActsEverywhere: true, []);
        }

        var moderated = actor.Roles.Contains(CommunityRoles.VolunteerModerator)
            ? (await db.RoomModerators.AsNoTracking().Where(g => g.UserId == actor.UserId).Select(g => g.RoomId).ToListAsync(cancellationToken)).ToHashSet()
            : [];
        return new QueueScope(SeesAll: actor.Roles.Contains(CommunityRoles.SupportAgent), ActsEverywhere: false, moderated);
    }

    /// <summary>The message, if it is in the caller's queue and they may act on it.</summary>
    private static async Task<Message> FindActionableAsync(
        CommunityDbContext db, QueueScope scope, Actor actor, long messageId, CancellationToken cancellationToken)
    {
        var message = await db.Messages.AsNoTracking().SingleOrDefaultAsync(m => m.Id == messageId, cancellationToken);
        if (message is null || !scope.CanSee(message.RoomId))
        {
            throw CommunityException.NotFound($"There is no message {messageId} in your queue.");
        }

        return scope.CanActIn(message.RoomId) ? message : throw CannotAct(actor);
    }

    private static async Task<HeldMessage> FindHeldAsync(
        CommunityDbContext db, QueueScope scope, Actor actor, long heldId, CancellationToken cancellationToken)
    {
        var held = await db.HeldMessages.AsNoTracking().SingleOrDefaultAsync(h => h.Id == heldId, cancellationToken);
        if (held is null || !scope.CanSee(held.RoomId))
        {
            throw CommunityException.NotFound($"There is no held message {heldId} in your queue.");
        }

        return scope.CanActIn(held.RoomId) ? held : throw CannotAct(actor);
    }

    private static CommunityException CannotAct(Actor actor) => actor.Roles.Contains(CommunityRoles.SupportAgent) && !actor.Roles.Contains(CommunityRoles.VolunteerModerator)
        ? CommunityException.Forbidden("Support agents can read the moderation queue but not act on it.")
        : CommunityException.Forbidden("You can only moderate in the rooms you moderate.");

    /// <summary>Staff are never sanctioned or have messages removed from the queue by volunteers; nor are other moderators.</summary>
    private static async Task EnsureMayActAgainstAsync(CommunityDbContext db, Actor actor, string targetId, CancellationToken cancellationToken)
    {
        var roles = await db.UserRoles.Where(ur => ur.UserId == targetId)
            .Join(db.Roles, ur => ur.RoleId, r => r.Id, (ur, r) => r.Name!)
            .ToListAsync(cancellationToken);
        if (!actor.ManagesCommunity)
        {
            if (roles.Any(CommunityRoles.IsStaff))
            {
                throw CommunityException.Forbidden("Volunteer moderators can't act against staff.");
            }

            if (roles.Contains(CommunityRoles.VolunteerModerator))
            {
                throw CommunityException.Forbidden("Volunteer moderators can't act against other moderators.");
            }

            return;
        }

        if (roles.Any(r => CommunityRoles.IsStaff(r) && CommunityRoles.Rank(r) <= CommunityRoles.Rank(actor.PrimaryRole)))
        {
            throw CommunityException.Forbidden("You can't act against staff of your own rank or above.");
        }
    }

    private async Task<(Message Message, RoomKey Room)> FindReadableAsync(
        CommunityDbContext db, Actor actor, long messageId, CancellationToken cancellationToken)
    {
        var message = await db.Messages.AsNoTracking().SingleOrDefaultAsync(m => m.Id == messageId, cancellationToken)
            ?? throw CommunityException.NotFound($"There is no message {messageId}.");
        var room = await db.Rooms.AsNoTracking().Where(r => r.Id == message.RoomId)
            .Select(r => new RoomKey(r.Id, r.Slug, r.Kind, r.CustomerId, r.SourceRoomId))
            .SingleAsync(cancellationToken);
        return await directory.CanReadAsync(actor, room, cancellationToken)
            ? (message, room)
            : throw CommunityException.NotFound($"There is no message {messageId}.");
    }

    private static async Task<int> CountTrustedReportsAsync(CommunityDbContext db, long messageId, CancellationToken cancellationToken)
    {
        var trustedRoleIds = db.Roles.Where(r => TrustedRoles.Contains(r.Name!)).Select(r => r.Id);
        return await db.Reports
            .Where(r => r.MessageId == messageId && (r.Status == ReportStatus.Open || r.Status == ReportStatus.Claimed))
            .CountAsync(r => db.UserRoles.Any(ur => ur.UserId == r.ReporterId && trustedRoleIds.Contains(ur.RoleId)), cancellationToken);
    }

    private async Task<string> SlugAsync(int roomId, CancellationToken cancellationToken)
    {
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        return await db.Rooms.Where(r => r.Id == roomId).Select(r => r.Slug).SingleAsync(cancellationToken);
    }

    private static string Reason(string? reason)
    {
        var refusal = $"Give a reason of {MinReason} to {MaxReason} characters.";
        var text = MessageText.NormalizeOptional(reason, MaxReason, refusal) ?? "";
        return text.Length >= MinReason ? text : throw CommunityException.Invalid(refusal);
    }

    private static QueueMessage ToQueue(Message m, string slug) => new(
        m.Id, slug, m.Sequence, m.AuthorId, m.AuthorName, m.AuthorRole, m.Body, m.CreatedAt, m.HiddenAt is not null, m.DeletedAt is not null);

    private static CommunityException NoOpenReports(long messageId) =>
        CommunityException.NotFound($"Message {messageId} has no open reports.");

    private static CommunityException ClaimedBy(string name) =>
        new(CommunityError.Conflict, $"{name} has already claimed this report.");

    public static string Describe(TimeSpan duration) =>
        duration.TotalDays >= 1 && duration.TotalDays == Math.Floor(duration.TotalDays) ? $"{duration.TotalDays:0} d"
        : duration.TotalHours >= 1 && duration.TotalHours == Math.Floor(duration.TotalHours) ? $"{duration.TotalHours:0} h"
        : $"{duration.TotalMinutes:0} min";

    [LoggerMessage(Level = LogLevel.Warning, Message = "Publishing a moderation queue change failed; staff views reload on their next change")]
    private partial void PublishFailed(Exception exception);

    /// <summary>Rooms the caller sees in the queue, and those they may act in.</summary>
    private sealed record QueueScope(bool SeesAll, bool ActsEverywhere, HashSet<int> Moderated)
    {
        public bool CanSee(int roomId) => SeesAll || ActsEverywhere || Moderated.Contains(roomId);

        public bool CanActIn(int roomId) => ActsEverywhere || Moderated.Contains(roomId);

        public IQueryable<T> Filter<T>(IQueryable<T> query, System.Linq.Expressions.Expression<Func<T, int>> roomId)
        {
            if (SeesAll || ActsEverywhere)
            {
                return query;
            }

            var rooms = Moderated.ToList();
            var parameter = roomId.Parameters[0];
            var contains = System.Linq.Expressions.Expression.Call(
                typeof(Enumerable), nameof(Enumerable.Contains), [typeof(int)],
                System.Linq.Expressions.Expression.Constant(rooms), roomId.Body);
            return query.Where(System.Linq.Expressions.Expression.Lambda<Func<T, bool>>(contains, parameter));
        }
    }
}
