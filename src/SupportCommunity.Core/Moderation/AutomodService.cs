using System.Text.Json.Serialization;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Logging;
using SupportCommunity.Data;
using SupportCommunity.Events;
using SupportCommunity.Identity;

namespace SupportCommunity.Moderation;

/// <summary>An automod rule as the moderation page and the API show it.</summary>
public sealed record AutomodRuleDto(
    int Id,
    string Name,
    string Pattern,
    bool IsRegex,
    [property: JsonConverter(typeof(JsonStringEnumConverter<AutomodAction>))] AutomodAction Action,
    string? Replacement,
    bool Enabled,
    DateTimeOffset CreatedAt)
{
    public static AutomodRuleDto From(AutomodRule r) => new(r.Id, r.Name, r.Pattern, r.IsRegex, r.Action, r.Replacement, r.Enabled, r.CreatedAt);
}

/// <summary>A new rule, or a rule's new state.</summary>
public sealed record AutomodRuleInput(
    string? Name,
    string? Pattern,
    bool IsRegex,
    [property: JsonConverter(typeof(JsonStringEnumConverter<AutomodAction>))] AutomodAction Action,
    string? Replacement,
    bool Enabled = true);

/// <summary>What the enabled rules would do to a text: <see cref="Outcome"/> (Block, Hold, Flag, Replace) null means it would post as is.</summary>
public sealed record AutomodTestResult(
    string Text, string? Outcome, string? BlockedBy, string? HeldBy, IReadOnlyList<string> FlaggedBy,
    IReadOnlyList<string> ReplacedBy, IReadOnlyList<string> TimedOut);

/// <summary>
/// Managing automod rules: community managers and admins only. Patterns are checked when saved (an invalid regex is
/// refused); every change is audited in its transaction and reloads the rules on every node.
/// </summary>
public sealed partial class AutomodService(
    IDbContextFactory<CommunityDbContext> dbFactory,
    AutomodEngine engine,
    RefusalAudit refusals,
    IRoomEventBus bus,
    TimeProvider clock,
    ILogger<AutomodService> logger)
{
    public async Task<IReadOnlyList<AutomodRuleDto>> ListAsync(Actor actor, CancellationToken cancellationToken = default)
    {
        Authorize(actor);
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        var rules = await db.AutomodRules.AsNoTracking().OrderBy(r => r.Id).ToListAsync(cancellationToken);
        return [.. rules.Select(AutomodRuleDto.From)];
    }

    public async Task<AutomodRuleDto> CreateAsync(Actor actor, AutomodRuleInput input, CancellationToken cancellationToken = default)
    {
        await AuthorizeChangeAsync(actor);
        var rule = new AutomodRule { CreatedById = actor.UserId, CreatedAt = clock.GetUtcNow() };
        Apply(rule, input);
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        db.AutomodRules.Add(rule);
        AuditLog.Add(db, actor, AuditActions.AutomodRuleChange, "rule added", clock.GetUtcNow(), after: Describe(rule));
        await db.SaveChangesAsync(cancellationToken);
        await ReloadEverywhereAsync();
        return AutomodRuleDto.From(rule);
    }

    /// <summary>Changes a rule (including switching it off with <see cref="AutomodRuleInput.Enabled"/> false).</summary>
    public async Task<AutomodRuleDto> UpdateAsync(Actor actor, int id, AutomodRuleInput input, CancellationToken cancellationToken = default)
    {
        await AuthorizeChangeAsync(actor);
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        var rule = await db.AutomodRules.SingleOrDefaultAsync(r => r.Id == id, cancellationToken)
            ?? throw CommunityException.NotFound($"There is no automod rule {id}.");
        var before = Describe(rule);
        Apply(rule, input);
        var after = Describe(rule);
        if (before == after)
        {
            return AutomodRuleDto.From(rule);
        }

        AuditLog.Add(db, actor, AuditActions.AutomodRuleChange, rule.Enabled ? "rule changed" : "rule disabled", clock.GetUtcNow(),
            before: before, after: after);
        await db.SaveChangesAsync(cancellationToken);
        await ReloadEverywhereAsync();
        return AutomodRuleDto.From(rule);
    }

    /// <summary>Tries a text against the enabled rules (what a member's send would meet); nothing is stored.</summary>
    public async Task<AutomodTestResult> TestAsync(Actor actor, string? text, CancellationToken cancellationToken = default)
    {
        Authorize(actor);
        var verdict = await engine.EvaluateAsync(text ?? "", cancellationToken);
        return new AutomodTestResult(verdict.Text, verdict.Outcome?.ToString(), verdict.BlockedBy?.Name, verdict.HeldBy?.Name,
            verdict.FlaggedBy, verdict.ReplacedBy, verdict.TimedOut);
    }

    /// <summary>Changing rules beyond one's rights is recorded; reading and testing them is not.</summary>
    private Task AuthorizeChangeAsync(Actor actor) =>
        refusals.GuardAsync(actor, new AttemptedAction(AuditActions.AutomodRuleChange), () =>
        {
            Authorize(actor);
            return Task.CompletedTask;
        });

    private static void Authorize(Actor actor)
    {
        if (!actor.ManagesCommunity)
        {
            throw CommunityException.Forbidden("Only community managers and admins can manage automod rules.");
        }
    }

    private static void Apply(AutomodRule rule, AutomodRuleInput input)
    {
        var name = (input.Name ?? "").Trim();
        var pattern = (input.Pattern ?? "").Trim();
        if (name.Length is < 1 or > 100)
        {
            throw CommunityException.Invalid("A rule needs a name of 1 to 100 characters.");
        }

        if (pattern.Length is < 1 or > 500)
        {
            throw CommunityException.Invalid("A rule needs a pattern of 1 to 500 characters.");
        }

        if (!Enum.IsDefined(input.Action))
        {
            throw CommunityException.Invalid("The action is Block, Hold, Flag or Replace.");
        }

        var replacement = input.Action == AutomodAction.Replace ? (input.Replacement ?? "***") : null;
        if (replacement is { Length: > 200 })
        {
            throw CommunityException.Invalid("The replacement is at most 200 characters.");
        }

        try
        {
            _ = AutomodEngine.Build(pattern, input.IsRegex, TimeSpan.FromMilliseconds(50));
        }
        catch (ArgumentException ex)
        {
            throw CommunityException.Invalid($"The pattern is not a valid regular expression: {ex.Message}");
        }

        rule.Name = name;
        rule.Pattern = pattern;
        rule.IsRegex = input.IsRegex;
        rule.Action = input.Action;
        rule.Replacement = replacement;
        rule.Enabled = input.Enabled;
    }

    private static string Describe(AutomodRule r) =>
        $"{r.Name}: {(r.IsRegex ? "regex" : "words")} \"{r.Pattern}\" → {r.Action}"
        + (r.Action == AutomodAction.Replace ? $" with \"{r.Replacement}\"" : "")
        + (r.Enabled ? "" : " (disabled)");

    private async Task ReloadEverywhereAsync()
    {
        engine.Invalidate();
        try
        {
            await bus.PublishAsync(new AutomodRulesChanged(), CancellationToken.None);
        }
        catch (Exception ex)
        {
            // Other nodes re-read their rules within a minute anyway.
            PublishFailed(ex);
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Publishing an automod rule change failed; other nodes reload within a minute")]
    private partial void PublishFailed(Exception exception);
}
