using System.Text.RegularExpressions;

namespace SupportCommunity.CannedResponses;

/// <summary>
/// What a composer knows where a canned response is inserted. Null (or blank) is unknown: its placeholder stays in the
/// text as typed, for the sender to fill in.
/// </summary>
/// <param name="CustomerName">The customer being helped (a private conversation's customer, a ticket's requester).</param>
/// <param name="RoomName">The room (for a private conversation, the room its question came from).</param>
/// <param name="TicketNumber">The ticket being answered.</param>
/// <param name="AgentName">The staff member inserting the response; the composer fills it in.</param>
public sealed record CannedContext(string? CustomerName = null, string? RoomName = null, long? TicketNumber = null, string? AgentName = null);

/// <summary>A canned response's text with its placeholders filled in, and those that could not be (as written in <see cref="CannedPlaceholders.All"/>).</summary>
public sealed record CannedExpansion(string Text, IReadOnlyList<string> Unresolved);

/// <summary>
/// The placeholders of canned responses: <c>{customer.name}</c>, <c>{agent.name}</c>, <c>{room.name}</c> and
/// <c>{ticket.number}</c> (any case, spaces inside the braces allowed). Any other text in braces is ordinary text and is
/// left alone, and so is a placeholder whose value the context does not know. Values are inserted as they are, never
/// expanded again.
/// </summary>
public static partial class CannedPlaceholders
{
    public const string CustomerName = "{customer.name}";
    public const string AgentName = "{agent.name}";
    public const string RoomName = "{room.name}";
    public const string TicketNumber = "{ticket.number}";

    public static IReadOnlyList<string> All { get; } = [CustomerName, AgentName, RoomName, TicketNumber];

    public static CannedExpansion Expand(string template, CannedContext context)
    {
        ArgumentNullException.ThrowIfNull(template);
        ArgumentNullException.ThrowIfNull(context);
        List<string>? unresolved = null;
        var text = Placeholder().Replace(template, match =>
        {
            var name = "{" + match.Groups["name"].Value.ToLowerInvariant() + "}";
            var value = name switch
            {
                CustomerName => context.CustomerName,
                AgentName => context.AgentName,
                RoomName => context.RoomName,
                TicketNumber => context.TicketNumber?.ToString(System.Globalization.CultureInfo.InvariantCulture),
                _ => null,
            };
            if (string.IsNullOrWhiteSpace(value))
            {
                unresolved ??= [];
                if (!unresolved.Contains(name))
                {
                    unresolved.Add(name);
                }

                return match.Value;
            }

            return value.Trim();
        });
        return new CannedExpansion(text, unresolved ?? []);
    }

    /// <summary>The placeholders a text uses, as written in <see cref="All"/>, each once, in order of appearance.</summary>
    public static IReadOnlyList<string> Used(string template) => Expand(template, new CannedContext()).Unresolved;

    [GeneratedRegex(@"\{\s*(?<name>customer\.name|agent\.name|room\.name|ticket\.number)\s*\}",
        RegexOptions.IgnoreCase | RegexOptions.CultureInvariant, matchTimeoutMilliseconds: 1000)]
    private static partial Regex Placeholder();
}
