using SupportCommunity.Moderation;

namespace SupportCommunity.Web.Rooms;

/// <summary>
/// What stops the viewer posting in a room right now, and how a composer says so: a timeout (with the time left), a
/// lock, rules not accepted yet, or slow mode's wait. The room view holds the state and hands one gate to both its
/// composers, the room's and the thread panel's, so a reply in a thread meets what a message in the room meets. The
/// server checks every send again; the gate only spares the member a refused send.
/// </summary>
/// <param name="Exempt">Staff and the room's moderators: no lock, rules or slow mode for them (a timeout still applies).</param>
/// <param name="PostAgainAt">When slow mode lets the viewer post again, after their last send or a slow-mode refusal.</param>
public sealed record PostingGate(
    RoomControlsDto? Controls,
    RoomRulesDto? Rules,
    bool Exempt,
    IReadOnlyList<SanctionDto> Sanctions,
    DateTimeOffset? PostAgainAt,
    DateTimeOffset Now)
{
    /// <summary>Nothing in the way (a composer outside a room, or before the room's state is read).</summary>
    public static readonly PostingGate Open = new(null, null, Exempt: true, [], null, DateTimeOffset.MinValue);

    /// <summary>"You're timed out for 9:58 — reason" while a timeout runs; null otherwise.</summary>
    public string? Restriction
    {
        get
        {
            var timeout = Sanctions
                .Where(s => s.Kind == "timeout" && s.Active && s.ExpiresAt > Now)
                .OrderByDescending(s => s.ExpiresAt)
                .FirstOrDefault();
            return timeout is null ? null : $"You're timed out for {Countdown(timeout.ExpiresAt!.Value - Now)} — {timeout.Reason}";
        }
    }

    public bool Locked => Controls is { Locked: true };

    /// <summary>The wait slow mode imposes on this viewer, while there is one.</summary>
    public TimeSpan? SlowModeWait => PostAgainAt is { } at && at > Now ? at - Now : null;

    /// <summary>Slow mode is on and applies to this viewer (its hint shows).</summary>
    public bool SlowModeApplies => Controls is { SlowModeSeconds: > 0 } && !Exempt;

    /// <summary>The composers are disabled.</summary>
    public bool Blocked => Restriction is not null || (!Exempt && (Locked || Rules is { Accepted: false } || SlowModeWait is not null));

    /// <summary>The disabled composer's placeholder, saying why; null when the composer is open.</summary>
    public string? Placeholder =>
        Restriction is not null ? "You can't post while timed out"
        : Exempt ? null
        : Locked ? "This room is locked"
        : Rules is { Accepted: false } ? "Accept the rules to post"
        : SlowModeWait is { } wait ? $"Slow mode: you can post again in {SecondsText(wait)}"
        : null;

    /// <summary>"42 s", "3 min 05 s", "1 h 05 min".</summary>
    public static string SecondsText(TimeSpan wait)
    {
        var seconds = (int)Math.Ceiling(wait.TotalSeconds);
        return seconds < 60 ? $"{seconds} s" : seconds < 3600 ? $"{seconds / 60} min {seconds % 60:00} s" : $"{seconds / 3600} h {seconds % 3600 / 60:00} min";
    }

    /// <summary>"9:58", "1:02:03", "2d 4h": a countdown that reads well once a second.</summary>
    public static string Countdown(TimeSpan left)
    {
        var seconds = (long)Math.Ceiling(Math.Max(1, left.TotalSeconds));
        return seconds >= 86400 ? $"{seconds / 86400}d {seconds % 86400 / 3600}h"
            : seconds >= 3600 ? $"{seconds / 3600}:{seconds % 3600 / 60:00}:{seconds % 60:00}"
            : $"{seconds / 60}:{seconds % 60:00}";
    }
}
