using System.Text.RegularExpressions;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using SupportCommunity.Data;
using SupportCommunity.Events;
using SupportCommunity.Identity;
using SupportCommunity.Messages;
using SupportCommunity.Rooms;

namespace SupportCommunity.Moderation;

/// <summary>What a send may post: its text after automod's replacements, and the rules that flagged it.</summary>
public sealed record Admission(string Text, IReadOnlyList<string> FlaggedBy)
{
    public static Admission Unchanged(string text) => new(text, []);
}

/// <summary>
/// The one admission step of a send, before it is queued, in this order: room lock, room rules accepted, slow mode,
/// new members' links, automod, duplicates. A refusal throws with a message the sender can act on, and stores
/// nothing, except an automod Hold, which stores the send for review (<see cref="HeldMessage"/>) and answers
/// <see cref="CommunityError.Held"/>. Staff, and volunteer moderators in the rooms they moderate, pass unchecked.
/// The flood limit is not here: the writer charges it, so that retries of stored sends are free.
/// </summary>
public sealed partial class SendAdmission(
    IDbContextFactory<CommunityDbContext> dbFactory,
    AutomodEngine automod,
    RefusalAudit refusals,
    IRoomEventBus bus,
    IOptions<CommunityLimits> limits,
    TimeProvider clock)
{
    public const string HeldMessageText = "Your message is waiting for a moderator's review.";
    public const string BlockedText = "Your message contains a blocked word.";
    public const string DuplicateText = "You just sent that.";

    private readonly CommunityLimits _limits = limits.Value;

    public async Task<Admission> CheckAsync(
        Actor actor, RoomKey room, Guid clientMessageId, string text, long? replyToSequence, CancellationToken cancellationToken)
    {
        if (actor.IsStaff)
        {
            return Admission.Unchanged(text);
        }

        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        if (await RoomModeration.ModeratesAsync(db, actor, room.Id, cancellationToken))
        {
            return Admission.Unchanged(text);
        }

        var controls = await db.Rooms.AsNoTracking()
            .Where(r => r.Id == room.Id)
            .Select(r => new { r.LockedAt, r.LockMessage, r.SlowModeSeconds, HasRules = r.Rules != null && r.Rules != "", r.RulesVersion })
            .SingleAsync(cancellationToken);
        var now = clock.GetUtcNow();

        if (controls.LockedAt is not null)
        {
            var banner = string.IsNullOrWhiteSpace(controls.LockMessage) ? "" : " " + controls.LockMessage;
            throw CommunityException.Forbidden($"#{room.Slug} is locked: only staff can post.{banner}");
        }

        if (controls.HasRules && !await db.RuleAcceptances.AnyAsync(
                a => a.UserId == actor.UserId && a.RoomId == room.Id && a.Version >= controls.RulesVersion, cancellationToken))
        {
            throw CommunityException.Forbidden($"Accept the rules of #{room.Slug} to post.");
        }

        // The sender's latest messages here: for slow mode and duplicates (both short windows, so a few suffice).
        var recent = controls.SlowModeSeconds > 0 || _limits.DuplicateWindow > TimeSpan.Zero
            ? await db.Messages.AsNoTracking()
                .Where(m => m.RoomId == room.Id && m.AuthorId == actor.UserId)
                .OrderByDescending(m => m.Sequence)
                .Take(20)
                .Select(m => new { m.CreatedAt, m.Body, Deleted = m.DeletedAt != null })
                .ToListAsync(cancellationToken)
            : [];

        if (controls.SlowModeSeconds > 0 && recent.Count > 0)
        {
            var wait = recent[0].CreatedAt + TimeSpan.FromSeconds(controls.SlowModeSeconds) - now;
            if (wait > TimeSpan.Zero)
            {
                var seconds = (int)Math.Ceiling(wait.TotalSeconds);
                throw new CommunityException(
                    CommunityError.TooManyRequests,
                    $"Slow mode is on: you can post again in {FormatWait(seconds)}.",
                    TimeSpan.FromSeconds(seconds));
            }
        }

        if (!actor.IsTrusted && _limits.NewMemberLinkMinutes > 0 && HasLink(text))
        {
            var joined = await db.Users.Where(u => u.Id == actor.UserId).Select(u => u.CreatedAt).SingleOrDefaultAsync(cancellationToken);
            var allowedAt = joined + TimeSpan.FromMinutes(_limits.NewMemberLinkMinutes);
            if (allowedAt > now)
            {
                var minutes = Math.Max(1, (int)Math.Ceiling((allowedAt - now).TotalMinutes));
                throw CommunityException.Forbidden(
                    $"New members can post links after their first {_limits.NewMemberLinkMinutes} minutes: " +
                    $"try again in {minutes} min, or send your message without the link.");
            }
        }

        var verdict = await automod.EvaluateAsync(text, cancellationToken);
        if (verdict.BlockedBy is { } blockRule)
        {
            await refusals.BlockedAsync(actor, room, blockRule.Name, text);
            throw CommunityException.Invalid(BlockedText);
        }

        if (verdict.HeldBy is { } holdRule)
        {
            await HoldAsync(db, actor, room, clientMessageId, verdict.Text, replyToSequence, holdRule, now, cancellationToken);
            // The moderation queue's viewers reload now rather than on its next change.
            await bus.PublishAsync(new ModerationQueueChanged(room.Slug), CancellationToken.None);
            throw new CommunityException(CommunityError.Held, HeldMessageText);
        }

        if (verdict.Text.Length > _limits.MaxBodyLength)
        {
            throw CommunityException.Invalid($"Your message is longer than {_limits.MaxBodyLength:N0} characters once filtered.");
        }

        var window = now - _limits.DuplicateWindow;
        if (recent.Any(m => !m.Deleted && m.CreatedAt > window && m.Body == verdict.Text))
        {
            throw new CommunityException(CommunityError.Conflict, DuplicateText);
        }

        return new Admission(verdict.Text, verdict.FlaggedBy);
    }

    /// <summary>A link in any form a reader could follow: http(s)://, www., or a markdown link.</summary>
    public static bool HasLink(string text) => LinkPattern().IsMatch(text);

    /// <summary>Stores the send for review, once: a retry of a held send finds it held already.</summary>
    private static async Task HoldAsync(
        CommunityDbContext db, Actor actor, RoomKey room, Guid clientMessageId, string text, long? replyToSequence,
        AutomodRule rule, DateTimeOffset now, CancellationToken cancellationToken)
    {
        if (await db.HeldMessages.AnyAsync(h => h.AuthorId == actor.UserId && h.ClientMessageId == clientMessageId, cancellationToken))
        {
            return;
        }

        db.HeldMessages.Add(new HeldMessage
        {
            RoomId = room.Id,
            AuthorId = actor.UserId,
            AuthorName = actor.DisplayName,
            AuthorRole = actor.PrimaryRole,
            ClientMessageId = clientMessageId,
            Body = text,
            ReplyToSequence = replyToSequence,
            Rule = rule.Name.Length <= 100 ? rule.Name : rule.Name[..100],
            CreatedAt = now,
            Status = HeldStatus.Pending,
        });
        AuditLog.Add(db, RefusalAudit.Automod, AuditActions.AutomodHold, $"Held for review by the automod rule \"{rule.Name}\".", now,
            actor.UserId, actor.DisplayName, room.Id, before: text, after: "waiting for review");
        try
        {
            await db.SaveChangesAsync(cancellationToken);
        }
        catch (DbUpdateException)
        {
            // The same send held at the same moment by another node: it is held once.
        }
    }

    private static string FormatWait(int seconds) => seconds switch
    {
        < 60 => $"{seconds} s",
        < 3600 => seconds % 60 == 0 ? $"{seconds / 60} min" : $"{seconds / 60} min {seconds % 60} s",
        _ => $"{seconds / 3600} h {seconds % 3600 / 60} min",
    };

    [GeneratedRegex(@"https?://|(?<![\w.])www\.|\[[^\]]*\]\([^)\s]+\)", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant)]
    private static partial Regex LinkPattern();
}

/// <summary>Who may calm a room: community managers and admins in every room, volunteer moderators in theirs.</summary>
public static class RoomModeration
{
    public static async Task<bool> CanModerateAsync(CommunityDbContext db, Actor actor, int roomId, CancellationToken cancellationToken) =>
        actor.ManagesCommunity || await ModeratesAsync(db, actor, roomId, cancellationToken);

    /// <summary>A volunteer moderator granted this room (RoomModerators).</summary>
    public static Task<bool> ModeratesAsync(CommunityDbContext db, Actor actor, int roomId, CancellationToken cancellationToken) =>
        actor.Roles.Contains(CommunityRoles.VolunteerModerator)
            ? db.RoomModerators.AnyAsync(g => g.RoomId == roomId && g.UserId == actor.UserId, cancellationToken)
            : Task.FromResult(false);
}
