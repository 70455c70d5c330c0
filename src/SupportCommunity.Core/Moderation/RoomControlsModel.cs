using SupportCommunity.Events;
using SupportCommunity.Messages;

namespace SupportCommunity.Moderation;

/// <summary>
/// A room's calming controls as clients see them. <see cref="SlowModeSeconds"/> 0: off. <see cref="Pinned"/>: the
/// notice pinned at the top (for example by a cool-down). <see cref="RulesVersion"/> changes when the rules do.
/// </summary>
public sealed record RoomControlsDto(
    string Room,
    int SlowModeSeconds,
    bool Locked,
    string? LockMessage,
    MessageDto? Pinned,
    bool HasRules,
    int RulesVersion);

/// <summary>
/// A room's rules for the caller. <see cref="Accepted"/>: the caller accepted this version (always true for those
/// exempt, and when there are no rules). <see cref="Html"/>: the markdown rendered and sanitised.
/// </summary>
public sealed record RoomRulesDto(string Room, string Markdown, string Html, int Version, bool Accepted);

/// <summary>Slow mode, lock, pinned notice or rules changed: every live client of the room shows the new state.</summary>
public sealed record RoomSettingsChanged(string Room, RoomControlsDto Controls) : RoomEvent(Room);

/// <summary>An automod rule was added, changed or disabled: every node reloads its rules.</summary>
public sealed record AutomodRulesChanged() : RoomEvent(Channel)
{
    /// <summary>A channel no room slug can take (slugs have no '@').</summary>
    public const string Channel = "@automod";
}
