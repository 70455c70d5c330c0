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
public sealed record ReactionDto(string Emoji, int Count, IReadOnlyList<string> UserIds)
{
    // Compared by content, so a message read twice (or sent over the wire) is still equal to itself.
    public bool Equals(ReactionDto? other) =>
        other is not null && Emoji == other.Emoji && Count == other.Count && UserIds.SequenceEqual(other.UserIds);

    public override int GetHashCode() => HashCode.Combine(Emoji, Count);
}

/// <summary>
/// A message's reactions, in allowlist order. Equal by content, so <c>MessageDto</c> keeps its value equality (two
/// reads of an unchanged message are equal).
/// </summary>
public sealed class ReactionList : List<ReactionDto>, IEquatable<ReactionList>
{
    public ReactionList()
    {
    }

    public ReactionList(IEnumerable<ReactionDto> reactions) : base(reactions)
    {
    }

    public bool Equals(ReactionList? other) => other is not null && this.SequenceEqual(other);

    public override bool Equals(object? obj) => obj is ReactionList other && Equals(other);

    public override int GetHashCode() => Count;
}
