namespace SupportCommunity.Reactions;

/// <summary>
/// One member's reaction to one message. The rows are the truth (one per user, message and emoji, by a unique index);
/// the message carries a summary of them for reading (<see cref="ReactionSummary"/>, ADR-0014).
/// </summary>
public sealed class MessageReaction
{
    public long Id { get; set; }

    public long MessageId { get; set; }

    public string UserId { get; set; } = "";

    /// <summary>One of <see cref="ReactionSummary.Allowed"/>.</summary>
    public string Emoji { get; set; } = "";

    public DateTimeOffset CreatedAt { get; set; }
}

/// <summary>A reaction as clients see it: the emoji, how many reacted with it, and who (so each viewer sees "mine").</summary>
public sealed record ReactionDto(string Emoji, int Count, IReadOnlyList<string> UserIds);
