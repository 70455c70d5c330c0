namespace SupportCommunity.Moderation;

public enum SanctionKind
{
    /// <summary>May read but not post anywhere, until it expires.</summary>
    Timeout = 0,

    /// <summary>Out of one room: may neither read nor post there.</summary>
    RoomBan = 1,

    /// <summary>Out of the community.</summary>
    CommunityBan = 2,
}

/// <summary>A timeout or ban, with its reason and expiry. Lifted early by setting <see cref="RevokedAt"/>; never deleted.</summary>
public sealed class Sanction
{
    public long Id { get; set; }

    public string UserId { get; set; } = "";

    public SanctionKind Kind { get; set; }

    /// <summary>The room of a room ban; null for community-wide sanctions.</summary>
    public int? RoomId { get; set; }

    public string Reason { get; set; } = "";

    public string CreatedById { get; set; } = "";

    public DateTimeOffset CreatedAt { get; set; }

    /// <summary>Null: until lifted.</summary>
    public DateTimeOffset? ExpiresAt { get; set; }

    public DateTimeOffset? RevokedAt { get; set; }

    public string? RevokedById { get; set; }
}

/// <summary>One moderation or role action: who did what to whom, why, what it changed, and until when.</summary>
public sealed class AuditEntry
{
    public long Id { get; set; }

    public DateTimeOffset At { get; set; }

    public string ActorId { get; set; } = "";

    public string ActorName { get; set; } = "";

    /// <summary>A stable code such as <c>message.delete</c>, <c>sanction.timeout</c>, <c>role.grant</c> (<see cref="AuditActions"/>).</summary>
    public string Action { get; set; } = "";

    public string? TargetUserId { get; set; }

    public string? TargetName { get; set; }

    public int? RoomId { get; set; }

    public long? MessageId { get; set; }

    public string Reason { get; set; } = "";

    public string? Before { get; set; }

    public string? After { get; set; }

    public DateTimeOffset? ExpiresAt { get; set; }
}

/// <summary>A message's earlier text, kept on every edit so staff can see what was changed.</summary>
public sealed class MessageEdit
{
    public long Id { get; set; }

    public long MessageId { get; set; }

    public string Body { get; set; } = "";

    public DateTimeOffset EditedAt { get; set; }

    public string EditedById { get; set; } = "";
}

public enum ReportStatus
{
    Open = 0,
    Claimed = 1,
    Dismissed = 2,
    Actioned = 3,
}

/// <summary>A member's report of a message, waiting in the moderation queue.</summary>
public sealed class Report
{
    public long Id { get; set; }

    public long MessageId { get; set; }

    public int RoomId { get; set; }

    public string ReporterId { get; set; } = "";

    public string Reason { get; set; } = "";

    public DateTimeOffset CreatedAt { get; set; }

    public ReportStatus Status { get; set; }

    public string? ClaimedById { get; set; }

    public string? ResolvedById { get; set; }

    public DateTimeOffset? ResolvedAt { get; set; }

    public string? Resolution { get; set; }
}

public enum HeldStatus
{
    Pending = 0,
    Approved = 1,
    Rejected = 2,
}

/// <summary>
/// A send an automod rule held for review. It is not in the room (no sequence) until approved; approving sends it
/// then, under its author's name.
/// </summary>
public sealed class HeldMessage
{
    public long Id { get; set; }

    public int RoomId { get; set; }

    public string AuthorId { get; set; } = "";

    public string AuthorName { get; set; } = "";

    public string AuthorRole { get; set; } = "";

    public Guid ClientMessageId { get; set; }

    public string Body { get; set; } = "";

    public long? ReplyToSequence { get; set; }

    /// <summary>The name of the rule that held it.</summary>
    public string Rule { get; set; } = "";

    public DateTimeOffset CreatedAt { get; set; }

    public HeldStatus Status { get; set; }

    public string? ReviewedById { get; set; }

    public DateTimeOffset? ReviewedAt { get; set; }
}

public enum AutomodAction
{
    Block = 0,
    Hold = 1,
    Flag = 2,
    Replace = 3,
}

/// <summary>A word or regex rule applied to every non-staff send.</summary>
public sealed class AutomodRule
{
    public int Id { get; set; }

    public string Name { get; set; } = "";

    public string Pattern { get; set; } = "";

    public bool IsRegex { get; set; }

    public AutomodAction Action { get; set; }

    /// <summary>For <see cref="AutomodAction.Replace"/>: what a match becomes.</summary>
    public string? Replacement { get; set; }

    public bool Enabled { get; set; } = true;

    public string CreatedById { get; set; } = "";

    public DateTimeOffset CreatedAt { get; set; }
}

/// <summary>A member accepted a room's rules at a version; changed rules are asked for again.</summary>
public sealed class RuleAcceptance
{
    public string UserId { get; set; } = "";

    public int RoomId { get; set; }

    public int Version { get; set; }

    public DateTimeOffset AcceptedAt { get; set; }
}
