namespace SupportCommunity.Web.Moderation;

/// <summary>What the message menu offers staff and the moderators of the room.</summary>
public enum ModerationAction
{
    Edit,
    Delete,
    Timeout,
    RoomBan,

    /// <summary>Out of the whole community: offered to community managers and admins.</summary>
    CommunityBan,
}

/// <summary>The dialog's answer: the action, its duration (null: until lifted), the reason, and for an edit the new text.</summary>
public sealed record ModerationChoice(ModerationAction Action, TimeSpan? Duration, string Reason, string? Body);
