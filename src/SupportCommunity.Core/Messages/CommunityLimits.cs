namespace SupportCommunity.Messages;

/// <summary>Compile-time defaults that the schema also needs.</summary>
public static class MessageLimitsDefaults
{
    public const int MaxBodyLength = 4000;
    public const int DisplayNameLength = 64;
}

/// <summary>The limits of design.md §5, bound from the <c>Limits</c> configuration section.</summary>
public sealed class CommunityLimits
{
    public const string Section = "Limits";

    /// <summary>Characters (UTF-16 code units) after normalisation. The schema caps it at 4,000.</summary>
    public int MaxBodyLength { get; set; } = MessageLimitsDefaults.MaxBodyLength;

    public int DefaultPageSize { get; set; } = 50;

    public int MaxPageSize { get; set; } = 100;

    /// <summary>The most new messages one catch-up returns; the client asks again for the rest.</summary>
    public int MaxCatchUp { get; set; } = 500;

    public int FloodMessages { get; set; } = 5;

    public int TrustedFloodMessages { get; set; } = 10;

    public TimeSpan FloodWindow { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>
    /// The least time between two sends of one member in one room (staff exempt). A send sooner waits out the rest,
    /// so the flood allowance is spread out rather than broadcast in one instant. Zero turns the pacing off.
    /// </summary>
    public TimeSpan FloodSpacing { get; set; } = TimeSpan.FromMilliseconds(250);

    /// <summary>
    /// Reaction toggles one user may make in <see cref="ReactionWindow"/>, in all rooms together and whatever their
    /// role (ADR-0014): far above what a person clicks, well below what a script does to a room's revision.
    /// </summary>
    public int ReactionToggles { get; set; } = 20;

    public TimeSpan ReactionWindow { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>
    /// How long the hub holds a "too fast" refusal (flood limit, slow mode, reports) before it answers, never longer
    /// than the refusal's retry-after. A connection's calls run one at a time, so a client hammering the hub is slowed
    /// to one attempt per pause per connection and costs the room next to nothing. Zero answers at once.
    /// </summary>
    public TimeSpan ThrottledAnswerPause { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>How long members may edit their own messages. Community managers edit any message at any time.</summary>
    public TimeSpan EditWindow { get; set; } = TimeSpan.FromHours(24);

    /// <summary>Accounts younger than this may not post links unless trusted (or staff).</summary>
    public int NewMemberLinkMinutes { get; set; } = 10;

    /// <summary>The same text from the same member in the same room within this window is refused as a duplicate.</summary>
    public TimeSpan DuplicateWindow { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>How long one automod regex may run on one message; a timeout counts as no match.</summary>
    public TimeSpan AutomodRegexTimeout { get; set; } = TimeSpan.FromMilliseconds(50);

    /// <summary>The slow mode a cool-down switches on unless the moderator picks another.</summary>
    public int CoolDownSlowModeSeconds { get; set; } = 30;
}
