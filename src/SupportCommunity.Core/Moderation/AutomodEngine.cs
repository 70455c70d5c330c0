using System.Text.RegularExpressions;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using SupportCommunity.Data;
using SupportCommunity.Events;
using SupportCommunity.Messages;

namespace SupportCommunity.Moderation;

/// <summary>A rule ready to run: its regex built once, with the match timeout.</summary>
public sealed record CompiledRule(AutomodRule Rule, Regex Regex);

/// <summary>
/// What the automod rules make of a text. <see cref="Text"/> is the text after every Replace rule. A Block wins over
/// a Hold, which wins over the rest. <see cref="TimedOut"/> names the rules whose regex ran out of time (no match).
/// </summary>
public sealed record AutomodVerdict(
    string Text,
    AutomodRule? BlockedBy,
    AutomodRule? HeldBy,
    IReadOnlyList<string> FlaggedBy,
    IReadOnlyList<string> ReplacedBy,
    IReadOnlyList<string> TimedOut)
{
    public AutomodAction? Outcome =>
        BlockedBy is not null ? AutomodAction.Block
        : HeldBy is not null ? AutomodAction.Hold
        : FlaggedBy.Count > 0 ? AutomodAction.Flag
        : ReplacedBy.Count > 0 ? AutomodAction.Replace
        : null;
}

/// <summary>
/// Runs the enabled automod rules against a send. The rules are read once and kept in memory; a change on any node
/// (<see cref="AutomodRulesChanged"/>) drops them here, and they are re-read at least every minute in case that event
/// was lost. Every regex runs with a timeout (<see cref="CommunityLimits.AutomodRegexTimeout"/>): a pattern that
/// backtracks for ever costs one send at most that long, counts as no match and is logged.
/// </summary>
public sealed partial class AutomodEngine : IDisposable
{
    private static readonly TimeSpan ReloadAfter = TimeSpan.FromMinutes(1);

    private readonly IDbContextFactory<CommunityDbContext> _dbFactory;
    private readonly TimeProvider _clock;
    private readonly ILogger<AutomodEngine> _logger;
    private readonly TimeSpan _timeout;
    private readonly IDisposable _subscription;
    private volatile Loaded? _loaded;

    public AutomodEngine(
        IDbContextFactory<CommunityDbContext> dbFactory,
        IRoomEventBus bus,
        IOptions<CommunityLimits> limits,
        TimeProvider clock,
        ILogger<AutomodEngine> logger)
    {
        _dbFactory = dbFactory;
        _clock = clock;
        _logger = logger;
        _timeout = limits.Value.AutomodRegexTimeout;
        _subscription = bus.Subscribe(AutomodRulesChanged.Channel, _ =>
        {
            Invalidate();
            return Task.CompletedTask;
        });
    }

    /// <summary>Builds a rule's regex. Throws <see cref="ArgumentException"/> for a pattern that is not a valid regex.</summary>
    public static Regex Build(string pattern, bool isRegex, TimeSpan timeout)
    {
        const RegexOptions options = RegexOptions.IgnoreCase | RegexOptions.CultureInvariant;
        if (isRegex)
        {
            return new Regex(pattern, options, timeout);
        }

        // Words and phrases, one per line or comma, matched as whole words whatever their case.
        var words = pattern.Split([',', '\n'], StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries);
        var alternatives = string.Join('|', words.Select(Regex.Escape));
        return new Regex($@"(?<!\w)(?:{alternatives})(?!\w)", options, timeout);
    }

    public CompiledRule Compile(AutomodRule rule) => new(rule, Build(rule.Pattern, rule.IsRegex, _timeout));

    /// <summary>Drops the cached rules; the next send reads them again.</summary>
    public void Invalidate() => _loaded = null;

    public async ValueTask<AutomodVerdict> EvaluateAsync(string text, CancellationToken cancellationToken = default) =>
        Evaluate(await RulesAsync(cancellationToken), text);

    /// <summary>Applies <paramref name="rules"/> to <paramref name="text"/>, in rule order.</summary>
    public AutomodVerdict Evaluate(IReadOnlyList<CompiledRule> rules, string text)
    {
        AutomodRule? blocked = null;
        AutomodRule? held = null;
        List<string> flagged = [];
        List<string> replaced = [];
        List<string> timedOut = [];
        foreach (var (rule, regex) in rules)
        {
            try
            {
                switch (rule.Action)
                {
                    case AutomodAction.Replace:
                        var after = regex.Replace(text, rule.Replacement ?? "***");
                        if (after != text)
                        {
                            text = after;
                            replaced.Add(rule.Name);
                        }

                        break;
                    case var action when regex.IsMatch(text):
                        if (action == AutomodAction.Block)
                        {
                            blocked ??= rule;
                        }
                        else if (action == AutomodAction.Hold)
                        {
                            held ??= rule;
                        }
                        else
                        {
                            flagged.Add(rule.Name);
                        }

                        break;
                }
            }
            catch (RegexMatchTimeoutException)
            {
                timedOut.Add(rule.Name);
                RegexTimedOut(rule.Id, rule.Name, _timeout.TotalMilliseconds);
            }
        }

        return new AutomodVerdict(text, blocked, held, flagged, replaced, timedOut);
    }

    /// <summary>The enabled rules, from memory when fresh.</summary>
    public async ValueTask<IReadOnlyList<CompiledRule>> RulesAsync(CancellationToken cancellationToken = default)
    {
        var now = _clock.GetUtcNow();
        if (_loaded is { } loaded && now - loaded.At < ReloadAfter)
        {
            return loaded.Rules;
        }

        await using var db = await _dbFactory.CreateDbContextAsync(cancellationToken);
        var rules = await db.AutomodRules.AsNoTracking().Where(r => r.Enabled).OrderBy(r => r.Id).ToListAsync(cancellationToken);
        var compiled = new List<CompiledRule>(rules.Count);
        foreach (var rule in rules)
        {
            try
            {
                compiled.Add(Compile(rule));
            }
            catch (ArgumentException)
            {
                // Refused when saved; one written around the service must not stop every send.
                InvalidStoredRule(rule.Id, rule.Name);
            }
        }

        _loaded = new Loaded(compiled, now);
        return compiled;
    }

    public void Dispose() => _subscription.Dispose();

    private sealed record Loaded(IReadOnlyList<CompiledRule> Rules, DateTimeOffset At);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Automod rule {RuleId} ({RuleName}) timed out after {TimeoutMs} ms and was taken as no match")]
    private partial void RegexTimedOut(int ruleId, string ruleName, double timeoutMs);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Automod rule {RuleId} ({RuleName}) has an invalid pattern and is skipped")]
    private partial void InvalidStoredRule(int ruleId, string ruleName);
}
