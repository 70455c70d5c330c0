using SupportCommunity.Data;
using SupportCommunity.Identity;

namespace SupportCommunity.Moderation;

/// <summary>The action codes of the audit log; the UI filters on them and the CSV export carries them.</summary>
public static class AuditActions
{
    public const string MessageEdit = "message.edit";
    public const string MessageDelete = "message.delete";
    public const string MessageHide = "message.hide";
    public const string MessageUnhide = "message.unhide";
    public const string SanctionTimeout = "sanction.timeout";
    public const string SanctionRoomBan = "sanction.room-ban";
    public const string SanctionCommunityBan = "sanction.community-ban";
    public const string SanctionLift = "sanction.lift";
    public const string RoleGrant = "role.grant";
    public const string RoleRevoke = "role.revoke";
    public const string RoomSlowMode = "room.slow-mode";
    public const string RoomLock = "room.lock";
    public const string RoomUnlock = "room.unlock";
    public const string RoomCoolDown = "room.cool-down";
    public const string RoomUnpin = "room.unpin";
    public const string RoomRules = "room.rules";
    public const string ReportDismiss = "report.dismiss";
    public const string ReportClaim = "report.claim";
    public const string HeldApprove = "held.approve";
    public const string HeldReject = "held.reject";
    public const string AutomodRuleChange = "automod.rule";

    /// <summary>A member reported a message (the reason is theirs).</summary>
    public const string ReportCreate = "report.create";

    /// <summary>Automod refused a send (the text is in <c>before</c>).</summary>
    public const string AutomodBlock = "automod.block";

    /// <summary>Automod held a send for review.</summary>
    public const string AutomodHold = "automod.hold";

    /// <summary>The flood limit refused a member's sends in a room.</summary>
    public const string FloodThrottle = "flood.throttle";

    /// <summary>A member tried a moderation or role action beyond their rights and was refused (the reason is the refusal).</summary>
    public const string AccessDenied = "access.denied";
}

/// <summary>
/// Writes audit entries. Callers add the entry to the same DbContext, and so the same transaction, as the action it
/// records: an action is never stored without its entry, nor an entry without its action.
/// </summary>
public static class AuditLog
{
    public static AuditEntry Add(
        CommunityDbContext db,
        Actor actor,
        string action,
        string reason,
        DateTimeOffset at,
        string? targetUserId = null,
        string? targetName = null,
        int? roomId = null,
        long? messageId = null,
        string? before = null,
        string? after = null,
        DateTimeOffset? expiresAt = null)
    {
        var entry = new AuditEntry
        {
            At = at,
            ActorId = actor.UserId,
            ActorName = actor.DisplayName,
            Action = action,
            Reason = reason,
            TargetUserId = targetUserId,
            TargetName = targetName,
            RoomId = roomId,
            MessageId = messageId,
            Before = before,
            After = after,
            ExpiresAt = expiresAt,
        };
        db.AuditEntries.Add(entry);
        return entry;
    }
}
