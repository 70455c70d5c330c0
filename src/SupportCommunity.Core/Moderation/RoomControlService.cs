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
/// The calming tools of a room (slow mode, lock, cool-down with a pinned notice) and its rules. Community managers
/// and admins use them in every public room, volunteer moderators in the rooms they moderate. Every change is audited
/// in its own transaction and then published as <see cref="RoomSettingsChanged"/>, so live clients show it at once.
/// </summary>
public sealed partial class RoomControlService(
    IDbContextFactory<CommunityDbContext> dbFactory,
    RoomDirectory directory,
    IRoomEventBus bus,
    MessageService messages,
    SendAdmission admission,
    MessageFormatter formatter,
    RefusalAudit refusals,
    IOptions<CommunityLimits> limits,
    TimeProvider clock,
    ILogger<RoomControlService> logger)
{
    public const int MinSlowModeSeconds = 5;
    public const int MaxSlowModeSeconds = 6 * 60 * 60;
    public const int MaxLockMessageLength = 300;
    public const string DefaultLockMessage = "This room is locked by a moderator for now.";
    public const string DefaultCoolDownNotice =
        "Let's take a breath. Slow mode is on for a while: please keep it friendly and on topic.";

    /// <summary>The room's controls; any reader may see them.</summary>
    public async Task<RoomControlsDto> GetControlsAsync(Actor actor, string slug, CancellationToken cancellationToken = default)
    {
        var key = await directory.GetReadableAsync(actor, slug, cancellationToken);
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        return await ReadControlsAsync(db, key, cancellationToken);
    }

    /// <summary>Whether the actor may use the calming tools and edit the rules of this room.</summary>
    public async Task<bool> CanModerateAsync(Actor actor, string slug, CancellationToken cancellationToken = default)
    {
        var key = await directory.GetReadableAsync(actor, slug, cancellationToken);
        if (!key.IsPublic)
        {
            return false;
        }

        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        return await RoomModeration.CanModerateAsync(db, actor, key.Id, cancellationToken);
    }

    /// <summary>Members who need not accept rules nor mind slow mode or a lock here: staff and the room's moderators.</summary>
    public async Task<bool> IsExemptAsync(Actor actor, string slug, CancellationToken cancellationToken = default)
    {
        if (actor.IsStaff)
        {
            return true;
        }

        var key = await directory.GetReadableAsync(actor, slug, cancellationToken);
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        return await RoomModeration.ModeratesAsync(db, actor, key.Id, cancellationToken);
    }

    /// <summary>Slow mode: 0 switches it off, otherwise 5 s to 6 h between one member's messages.</summary>
    public Task<RoomControlsDto> SetSlowModeAsync(Actor actor, string slug, int seconds, string? reason, CancellationToken cancellationToken = default)
    {
        if (seconds != 0 && seconds is < MinSlowModeSeconds or > MaxSlowModeSeconds)
        {
            throw CommunityException.Invalid("Slow mode is 0 (off) or 5 seconds to 6 hours (21,600 seconds).");
        }

        var text = OptionalReason(reason);
        return ChangeAsync(actor, slug, AuditActions.RoomSlowMode, (db, room) =>
        {
            var before = SlowModeText(room.SlowModeSeconds);
            room.SlowModeSeconds = seconds;
            AuditLog.Add(db, actor, AuditActions.RoomSlowMode, text, clock.GetUtcNow(), roomId: room.Id,
                before: before, after: SlowModeText(seconds));
        }, cancellationToken);
    }

    /// <summary>Makes the room read-only for members, with <paramref name="message"/> as its banner.</summary>
    public Task<RoomControlsDto> LockAsync(Actor actor, string slug, string? message, CancellationToken cancellationToken = default)
    {
        // The banner is shown to every member: normalised like a message (no NUL, bidi controls or floods), one line.
        var banner = MessageText.NormalizeOptional(message, MaxLockMessageLength, $"The lock message is at most {MaxLockMessageLength} characters.")
            ?? DefaultLockMessage;

        return ChangeAsync(actor, slug, AuditActions.RoomLock, (db, room) =>
        {
            var before = room.LockedAt is null ? "unlocked" : "locked: " + room.LockMessage;
            room.LockedAt = clock.GetUtcNow();
            room.LockMessage = banner;
            AuditLog.Add(db, actor, AuditActions.RoomLock, banner, clock.GetUtcNow(), roomId: room.Id, before: before, after: "locked: " + banner);
        }, cancellationToken);
    }

    public Task<RoomControlsDto> UnlockAsync(Actor actor, string slug, string? reason = null, CancellationToken cancellationToken = default)
    {
        var text = OptionalReason(reason);
        return ChangeAsync(actor, slug, AuditActions.RoomUnlock, (db, room) =>
        {
            var before = room.LockedAt is null ? "unlocked" : "locked: " + room.LockMessage;
            room.LockedAt = null;
            room.LockMessage = null;
            AuditLog.Add(db, actor, AuditActions.RoomUnlock, text, clock.GetUtcNow(), roomId: room.Id, before: before, after: "unlocked");
        }, cancellationToken);
    }

    /// <summary>
    /// One action to calm a room: posts <paramref name="notice"/> as the actor, pins it, and switches slow mode on
    /// (<paramref name="seconds"/>, or <see cref="CommunityLimits.CoolDownSlowModeSeconds"/>).
    /// </summary>
    public async Task<RoomControlsDto> CoolDownAsync(
        Actor actor, string slug, int? seconds, string? notice, CancellationToken cancellationToken = default)
    {
        var slow = seconds ?? limits.Value.CoolDownSlowModeSeconds;
        if (slow is < MinSlowModeSeconds or > MaxSlowModeSeconds)
        {
            throw CommunityException.Invalid("A cool-down's slow mode is 5 seconds to 6 hours (21,600 seconds).");
        }

        var text = string.IsNullOrWhiteSpace(notice) ? DefaultCoolDownNotice : notice;
        await AuthorizeAsync(actor, slug, AuditActions.RoomCoolDown, cancellationToken);

        // Posted as the acting moderator, who is exempt from the room's controls, then pinned with the slow mode.
        var posted = await messages.SendAsync(actor, slug, Guid.NewGuid(), text, replyToSequence: null, cancellationToken);
        return await ChangeAsync(actor, slug, AuditActions.RoomCoolDown, (db, room) =>
        {
            var before = SlowModeText(room.SlowModeSeconds);
            room.SlowModeSeconds = slow;
            room.PinnedSequence = posted.Sequence;
            AuditLog.Add(db, actor, AuditActions.RoomCoolDown, posted.Body ?? text, clock.GetUtcNow(), roomId: room.Id,
                messageId: posted.Id, before: before, after: $"{SlowModeText(slow)}; pinned message {posted.Sequence}");
        }, cancellationToken);
    }

    /// <summary>Takes the pinned notice down (the message stays in the room).</summary>
    public Task<RoomControlsDto> UnpinAsync(Actor actor, string slug, CancellationToken cancellationToken = default) =>
        ChangeAsync(actor, slug, AuditActions.RoomUnpin, (db, room) =>
        {
            var before = room.PinnedSequence is { } pinned ? $"pinned message {pinned}" : "nothing pinned";
            room.PinnedSequence = null;
            AuditLog.Add(db, actor, AuditActions.RoomUnpin, "", clock.GetUtcNow(), roomId: room.Id, before: before, after: "nothing pinned");
        }, cancellationToken);

    /// <summary>An optional audit reason, normalised like a message on one line; empty when none.</summary>
    private static string OptionalReason(string? reason) =>
        MessageText.NormalizeOptional(reason, SanctionService.MaxReasonLength, $"A reason is at most {SanctionService.MaxReasonLength} characters.") ?? "";

    /// <summary>The room's rules, and whether the caller has accepted this version (or need not).</summary>
    public async Task<RoomRulesDto> GetRulesAsync(Actor actor, string slug, CancellationToken cancellationToken = default)
    {
        var key = await directory.GetReadableAsync(actor, slug, cancellationToken);
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        return await ReadRulesAsync(db, actor, key, cancellationToken);
    }

    /// <summary>Replaces the rules (markdown; empty removes them). Members must accept the new version before posting.</summary>
    public async Task<RoomRulesDto> SetRulesAsync(Actor actor, string slug, string? markdown, CancellationToken cancellationToken = default)
    {
        // Normalised like a message, lines kept: a NUL would cut the rendered rules short, bidi controls would
        // reorder them. Nothing visible left removes the rules, as an empty document does.
        var text = MessageText.NormalizeOptional(markdown, MessageLimitsDefaults.MaxBodyLength,
            $"Rules are at most {MessageLimitsDefaults.MaxBodyLength:N0} characters.", singleLine: false) ?? "";

        await ChangeAsync(actor, slug, AuditActions.RoomRules, (db, room) =>
        {
            var before = room.Rules;
            room.Rules = text.Length == 0 ? null : text;
            room.RulesVersion++;
            AuditLog.Add(db, actor, AuditActions.RoomRules, $"rules version {room.RulesVersion}", clock.GetUtcNow(), roomId: room.Id,
                before: before, after: room.Rules);
        }, cancellationToken);
        return await GetRulesAsync(actor, slug, cancellationToken);
    }

    /// <summary>Records that the caller accepted version <paramref name="version"/> of the room's rules.</summary>
    public async Task<RoomRulesDto> AcceptRulesAsync(Actor actor, string slug, int version, CancellationToken cancellationToken = default)
    {
        var key = await directory.GetReadableAsync(actor, slug, cancellationToken);
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        var current = await db.Rooms.Where(r => r.Id == key.Id).Select(r => r.RulesVersion).SingleAsync(cancellationToken);
        if (version != current)
        {
            throw new CommunityException(CommunityError.Conflict, "The rules have changed since you read them: read them again and accept the new version.");
        }

        var acceptance = await db.RuleAcceptances.SingleOrDefaultAsync(a => a.UserId == actor.UserId && a.RoomId == key.Id, cancellationToken);
        if (acceptance is null)
        {
            db.RuleAcceptances.Add(new RuleAcceptance { UserId = actor.UserId, RoomId = key.Id, Version = version, AcceptedAt = clock.GetUtcNow() });
        }
        else if (acceptance.Version < version)
        {
            acceptance.Version = version;
            acceptance.AcceptedAt = clock.GetUtcNow();
        }

        try
        {
            await db.SaveChangesAsync(cancellationToken);
        }
        catch (DbUpdateException)
        {
            // Accepted in another tab at the same moment: it is accepted.
        }

        return await ReadRulesAsync(db, actor, key, cancellationToken);
    }

    /// <summary>May the actor change this room's controls? A refusal is recorded as an attempt beyond their rights.</summary>
    private Task<RoomKey> AuthorizeAsync(Actor actor, string slug, string attempted, CancellationToken cancellationToken) =>
        refusals.GuardAsync(actor, new AttemptedAction(attempted, RoomSlug: slug), () => AuthorizeCheckedAsync(actor, slug, cancellationToken));

    private async Task<RoomKey> AuthorizeCheckedAsync(Actor actor, string slug, CancellationToken cancellationToken)
    {
        var key = await directory.GetReadableAsync(actor, slug, cancellationToken);
        if (!key.IsPublic)
        {
            throw CommunityException.Forbidden("Room controls and rules apply to public rooms only.");
        }

        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        if (!await RoomModeration.CanModerateAsync(db, actor, key.Id, cancellationToken))
        {
            throw CommunityException.Forbidden(
                $"Only community managers, admins and the moderators of #{key.Slug} can change its settings and rules.");
        }

        return key;
    }

    /// <summary>Authorizes, applies <paramref name="change"/> with its audit entry in one transaction, then publishes.</summary>
    private async Task<RoomControlsDto> ChangeAsync(
        Actor actor, string slug, string attempted, Action<CommunityDbContext, Room> change, CancellationToken cancellationToken)
    {
        var key = await AuthorizeAsync(actor, slug, attempted, cancellationToken);
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        var room = await db.Rooms.SingleAsync(r => r.Id == key.Id, cancellationToken);
        change(db, room);
        await db.SaveChangesAsync(cancellationToken);

        var controls = await ReadControlsAsync(db, key, cancellationToken);
        // This node judges the next send by the new controls at once; other nodes drop theirs on the event.
        admission.Forget(key.Slug);
        try
        {
            await bus.PublishAsync(new RoomSettingsChanged(key.Slug, controls), CancellationToken.None);
        }
        catch (Exception ex)
        {
            PublishFailed(ex, key.Slug);
        }

        return controls;
    }

    private static async Task<RoomControlsDto> ReadControlsAsync(CommunityDbContext db, RoomKey key, CancellationToken cancellationToken)
    {
        var room = await db.Rooms.AsNoTracking().SingleAsync(r => r.Id == key.Id, cancellationToken);
        MessageDto? pinned = null;
        if (room.PinnedSequence is { } sequence
            && await db.Messages.AsNoTracking().SingleOrDefaultAsync(m => m.RoomId == room.Id && m.Sequence == sequence, cancellationToken) is { } message
            && message.DeletedAt is null)
        {
            pinned = MessageDto.From(message, room.Slug);
        }

        return new RoomControlsDto(
            room.Slug, room.SlowModeSeconds, room.LockedAt is not null, room.LockMessage, pinned,
            !string.IsNullOrEmpty(room.Rules), room.RulesVersion);
    }

    private async Task<RoomRulesDto> ReadRulesAsync(CommunityDbContext db, Actor actor, RoomKey key, CancellationToken cancellationToken)
    {
        var room = await db.Rooms.AsNoTracking().Where(r => r.Id == key.Id).Select(r => new { r.Rules, r.RulesVersion }).SingleAsync(cancellationToken);
        var markdown = room.Rules ?? "";
        var accepted = markdown.Length == 0
            || actor.IsStaff
            || await RoomModeration.ModeratesAsync(db, actor, key.Id, cancellationToken)
            || await db.RuleAcceptances.AnyAsync(a => a.UserId == actor.UserId && a.RoomId == key.Id && a.Version >= room.RulesVersion, cancellationToken);
        return new RoomRulesDto(key.Slug, markdown, markdown.Length == 0 ? "" : formatter.ToHtml(markdown), room.RulesVersion, accepted);
    }

    private static string SlowModeText(int seconds) => seconds == 0 ? "slow mode off" : $"slow mode {seconds} s";

    [LoggerMessage(Level = LogLevel.Warning, Message = "Publishing the settings of {RoomSlug} failed; clients see them on their next join")]
    private partial void PublishFailed(Exception exception, string roomSlug);
}
