using System.Text.Json;

namespace SupportCommunity.Reactions;

/// <summary>
/// The fixed set of reactions and the summary a message stores of its reactions (ADR-0014): a small JSON list of
/// emoji with the ids of the users who reacted, in allowlist order, so every path that reads messages (history,
/// catch-up, threads, search, the send acknowledgement) serves reactions without another query.
/// </summary>
public static class ReactionSummary
{
    /// <summary>
    /// The only reactions accepted. A fixed list keeps validation trivial (no emoji parsing of hostile input) and
    /// bounds what one member can add to a message: at most one of each.
    /// </summary>
    public static readonly IReadOnlyList<string> Allowed = ["👍", "❤️", "😂", "🎉", "😮", "😢", "🙏", "✅"];

    /// <summary>The most reactions one message holds (all members together); keeps the broadcast message small.</summary>
    public const int MaxPerMessage = 200;

    /// <summary>The allowlisted emoji <paramref name="emoji"/> is, or null. Compared exactly, after trimming.</summary>
    public static string? Normalize(string? emoji)
    {
        var trimmed = emoji?.Trim();
        foreach (var allowed in Allowed)
        {
            if (string.Equals(trimmed, allowed, StringComparison.Ordinal))
            {
                return allowed;
            }
        }

        // The heart is often typed without its variation selector.
        return trimmed == "❤" ? "❤️" : null;
    }

    /// <summary>Reads a stored summary; an empty or unreadable one is no reactions.</summary>
    public static ReactionList Read(string? stored)
    {
        if (string.IsNullOrEmpty(stored))
        {
            return [];
        }

        try
        {
            var entries = JsonSerializer.Deserialize<Dictionary<string, string[]>>(stored);
            if (entries is null)
            {
                return [];
            }

            return new ReactionList(Allowed
                .Where(e => entries.TryGetValue(e, out var users) && users.Length > 0)
                .Select(e => new ReactionDto(e, entries[e].Length, entries[e])));
        }
        catch (JsonException)
        {
            return [];
        }
    }

    /// <summary>The summary of these reactions (empty string for none).</summary>
    public static string Write(IEnumerable<(string Emoji, string UserId)> reactions)
    {
        var byEmoji = reactions
            .GroupBy(r => r.Emoji)
            .OrderBy(g => IndexOf(g.Key))
            .ToDictionary(g => g.Key, g => g.Select(r => r.UserId).Distinct().ToArray());
        return byEmoji.Count == 0 ? "" : JsonSerializer.Serialize(byEmoji);
    }

    private static int IndexOf(string emoji)
    {
        for (var i = 0; i < Allowed.Count; i++)
        {
            if (Allowed[i] == emoji)
            {
                return i;
            }
        }

        return int.MaxValue;
    }
}
