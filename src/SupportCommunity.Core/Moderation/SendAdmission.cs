using System.Text.RegularExpressions;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Caching.Memory;
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
public sealed partial class SendAdmission : IDisposable
{
    public const string HeldMessageText = "Your message is waiting for a moderator's review.";
    public const string BlockedText = "Your message contains a blocked word.";
    public const string DuplicateText = "You just sent that.";

    /// <summary>
    /// How long a room's controls are trusted from memory. A change drops them at once on every node
    /// (<see cref="RoomSettingsChanged"/> on the bus); the expiry bounds staleness if that message is lost, as for rights (ADR-0008).
    /// </summary>
    public static readonly TimeSpan ControlsCacheFor = TimeSpan.FromSeconds(2);

    // How many of the sender's latest messages in a room the duplicate check looks at.
    private const int DuplicateLookBack = 20;

    // Slow mode: when the sender last posted in the room (its newest message, by the author-room-sequence index).
    private static readonly Func<CommunityDbContext, int, string, CancellationToken, Task<DateTimeOffset?>> LastSentAt =
        EF.CompileAsyncQuery((CommunityDbContext db, int roomId, string userId, CancellationToken _) => db.Messages.AsNoTracking()
            .Where(m => m.RoomId == roomId && m.AuthorId == userId)
            .OrderByDescending(m => m.Sequence)
            .Select(m => (DateTimeOffset?)m.CreatedAt)
            .FirstOrDefault());

    // Duplicates: those of the sender's latest messages in the room with this text (none, nearly always). The text is
    // compared by the database, so no body is read unless it matches; a match is compared again here, exactly, as a
    // database's collation may ignore case (SQL Server's default does). Compiled once: it runs on most members' sends.
    private static readonly Func<CommunityDbContext, int, string, string, IAsyncEnumerable<SameText>> SameTextSends =
        EF.CompileAsyncQuery((CommunityDbContext db, int roomId, string userId, string text) => db.Messages.AsNoTracking()
            .Where(m => m.RoomId == roomId && m.AuthorId == userId)
            .OrderByDescending(m => m.Sequence)
            .Take(DuplicateLookBack)
            .Where(m => m.Body == text && m.DeletedAt == null)
            .Select(m => new SameText(m.CreatedAt, m.Body)));

    private static readonly Func<CommunityDbContext, int, RoomControls?> ReadControls =
        EF.CompileQuery((CommunityDbContext db, int roomId) => db.Rooms.AsNoTracking()
            .Where(r => r.Id == roomId)
            .Select(r => new RoomControls(r.LockedAt != null, r.LockMessage, r.SlowModeSeconds, r.Rules != null && r.Rules != "", r.RulesVersion))
            .SingleOrDefault());

    // The reads of a member's send (rights, rules, slow mode, duplicates) on the node's contexts kept open (ADR-0017).
    private readonly OpenContexts _contexts;
    private readonly AutomodEngine _automod;
    private readonly RefusalAudit _refusals;
    private readonly IRoomEventBus _bus;
    private readonly IMemoryCache _cache;
    private readonly TimeProvider _clock;
    private readonly CommunityLimits _limits;
    private readonly IDisposable _subscription;

    public SendAdmission(
        OpenContexts contexts,
        AutomodEngine automod,
        RefusalAudit refusals,
        IRoomEventBus bus,
        IMemoryCache cache,
        IOptions<CommunityLimits> limits,
        TimeProvider clock)
    {
        _contexts = contexts;
        _automod = automod;
        _refusals = refusals;
        _bus = bus;
        _cache = cache;
        _clock = clock;
        _limits = limits.Value;
        _subscription = bus.Subscribe(roomSlug: null, OnEventAsync);
    }

    public async Task<Admission> CheckAsync(
        Actor actor, RoomKey room, Guid clientMessageId, string text, long? replyToSequence, CancellationToken cancellationToken)
    {
        if (actor.IsStaff)
        {
            return Admission.Unchanged(text);
        }

        // Only what a check needs is read, and a context is opened only when something must be read.
        CommunityDbContext? db = null;
        var failed = false;
        try
        {
            async ValueTask<CommunityDbContext> Db() => db ??= await _contexts.RentAsync(cancellationToken);

            if (actor.IsVolunteerModerator && (actor.ModeratedRoomIds is { } moderated
                    ? moderated.Contains(room.Id)
                    : await RoomModeration.ModeratesAsync(await Db(), actor, room.Id, cancellationToken)))
            {
                return Admission.Unchanged(text);
            }

            var controls = await ControlsAsync(room, Db);
            var now = _clock.GetUtcNow();

            if (controls.Locked)
            {
                var banner = string.IsNullOrWhiteSpace(controls.LockMessage) ? "" : " " + controls.LockMessage;
                throw CommunityException.Forbidden($"#{room.Slug} is locked: only staff can post.{banner}");
            }

            if (controls.HasRules && !await HasAcceptedAsync(actor, room, controls.RulesVersion, Db, cancellationToken))
            {
                throw CommunityException.Forbidden($"Accept the rules of #{room.Slug} to post.");
            }

            if (controls.SlowModeSeconds > 0 && await LastSentAt(await Db(), room.Id, actor.UserId, cancellationToken) is { } lastSent)
            {
                var wait = lastSent + TimeSpan.FromSeconds(controls.SlowModeSeconds) - now;
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
                var joined = await (await Db()).Users.Where(u => u.Id == actor.UserId).Select(u => u.CreatedAt).SingleOrDefaultAsync(cancellationToken);
                var allowedAt = joined + TimeSpan.FromMinutes(_limits.NewMemberLinkMinutes);
                if (allowedAt > now)
                {
                    var minutes = Math.Max(1, (int)Math.Ceiling((allowedAt - now).TotalMinutes));
                    throw CommunityException.Forbidden(
                        $"New members can post links after their first {_limits.NewMemberLinkMinutes} minutes: " +
                        $"try again in {minutes} min, or send your message without the link.");
                }
            }

            var verdict = await _automod.EvaluateAsync(text, cancellationToken);
            if (verdict.BlockedBy is { } blockRule)
            {
                await _refusals.BlockedAsync(actor, room, blockRule.Name, text);
                throw CommunityException.Invalid(BlockedText);
            }

            if (verdict.HeldBy is { } holdRule)
            {
                await HoldAsync(await Db(), actor, room, clientMessageId, verdict.Text, replyToSequence, holdRule, now, cancellationToken);
                // The moderation queue's viewers reload now rather than on its next change.
                await _bus.PublishAsync(new ModerationQueueChanged(room.Slug), CancellationToken.None);
                throw new CommunityException(CommunityError.Held, HeldMessageText);
            }

            if (verdict.Text.Length > _limits.MaxBodyLength)
            {
                throw CommunityException.Invalid($"Your message is longer than {_limits.MaxBodyLength:N0} characters once filtered.");
            }

            if (_limits.DuplicateWindow > TimeSpan.Zero)
            {
                var window = now - _limits.DuplicateWindow;
                await foreach (var same in SameTextSends(await Db(), room.Id, actor.UserId, verdict.Text).WithCancellation(cancellationToken))
                {
                    if (same.CreatedAt > window && string.Equals(same.Body, verdict.Text, StringComparison.Ordinal))
                    {
                        throw new CommunityException(CommunityError.Conflict, DuplicateText);
                    }
                }
            }

            return new Admission(verdict.Text, verdict.FlaggedBy);
        }
        catch (Exception ex) when (ex is not CommunityException)
        {
            // A refusal leaves the context as sound as an admission does; anything else may not.
            failed = true;
            throw;
        }
        finally
        {
            if (db is not null)
            {
                await _contexts.ReturnAsync(db, sound: !failed);
            }
        }
    }

    /// <summary>
    /// The admission of a reaction (ADR-0014): the room's lock and its rules, as for a send, and nothing about pace or
    /// content (slow mode, links, automod and duplicates are about messages; the reaction limit paces toggles). Staff,
    /// and volunteer moderators in the rooms they moderate, pass.
    /// </summary>
    public async Task CheckReactionAsync(Actor actor, RoomKey room, CancellationToken cancellationToken)
    {
        if (actor.IsStaff)
        {
            return;
        }

        CommunityDbContext? db = null;
        var failed = false;
        try
        {
            async ValueTask<CommunityDbContext> Db() => db ??= await _contexts.RentAsync(cancellationToken);

            if (actor.IsVolunteerModerator && (actor.ModeratedRoomIds is { } moderated
                    ? moderated.Contains(room.Id)
                    : await RoomModeration.ModeratesAsync(await Db(), actor, room.Id, cancellationToken)))
            {
                return;
            }

            var controls = await ControlsAsync(room, Db);
            if (controls.Locked)
            {
                var banner = string.IsNullOrWhiteSpace(controls.LockMessage) ? "" : " " + controls.LockMessage;
                throw CommunityException.Forbidden($"#{room.Slug} is locked: only staff can post or react.{banner}");
            }

            if (controls.HasRules && !await HasAcceptedAsync(actor, room, controls.RulesVersion, Db, cancellationToken))
            {
                throw CommunityException.Forbidden($"Accept the rules of #{room.Slug} to react.");
            }
        }
        catch (Exception ex) when (ex is not CommunityException)
        {
            // A refusal leaves the context as sound as an admission does; anything else may not.
            failed = true;
            throw;
        }
        finally
        {
            if (db is not null)
            {
                await _contexts.ReturnAsync(db, sound: !failed);
            }
        }
    }

    /// <summary>Drops a room's remembered controls on this node; the service that changes them calls this before publishing.</summary>
    public void Forget(string roomSlug) => _cache.Remove((typeof(RoomControls), roomSlug));

    public void Dispose() => _subscription.Dispose();

    private async ValueTask<RoomControls> ControlsAsync(RoomKey room, Func<ValueTask<CommunityDbContext>> db)
    {
        if (_cache.TryGetValue((typeof(RoomControls), room.Slug), out RoomControls? controls) && controls is not null)
        {
            return controls;
        }

        controls = ReadControls(await db(), room.Id) ?? throw RoomDirectory.NotFound(room.Slug);
        _cache.Set((typeof(RoomControls), room.Slug), controls, new MemoryCacheEntryOptions { AbsoluteExpirationRelativeToNow = ControlsCacheFor, Size = 1 });
        return controls;
    }

    /// <summary>
    /// Whether the member accepted the room's rules at <paramref name="version"/> or later. An acceptance is never
    /// withdrawn, so the newest one seen is remembered; a newer version of the rules asks the database again.
    /// </summary>
    private async ValueTask<bool> HasAcceptedAsync(
        Actor actor, RoomKey room, int version, Func<ValueTask<CommunityDbContext>> db, CancellationToken cancellationToken)
    {
        var key = (typeof(RuleAcceptance), actor.UserId, room.Id);
        if (_cache.TryGetValue(key, out int accepted) && accepted >= version)
        {
            return true;
        }

        var newest = await (await db()).RuleAcceptances
            .Where(a => a.UserId == actor.UserId && a.RoomId == room.Id)
            .MaxAsync(a => (int?)a.Version, cancellationToken);
        if (newest is { } seen)
        {
            _cache.Set(key, seen, new MemoryCacheEntryOptions { SlidingExpiration = TimeSpan.FromMinutes(10), Size = 1 });
        }

        return newest >= version;
    }

    private Task OnEventAsync(RoomEvent roomEvent)
    {
        if (roomEvent is RoomSettingsChanged changed)
        {
            Forget(changed.RoomSlug);
        }

        return Task.CompletedTask;
    }

    private sealed record RoomControls(bool Locked, string? LockMessage, int SlowModeSeconds, bool HasRules, int RulesVersion);

    private sealed record SameText(DateTimeOffset CreatedAt, string Body);

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

    /// <summary>A volunteer moderator granted this room (RoomModerators; known without a query for actors from ActorDirectory).</summary>
    public static Task<bool> ModeratesAsync(CommunityDbContext db, Actor actor, int roomId, CancellationToken cancellationToken) =>
        !actor.IsVolunteerModerator ? Task.FromResult(false)
        : actor.ModeratedRoomIds is { } moderated ? Task.FromResult(moderated.Contains(roomId))
        : db.RoomModerators.AnyAsync(g => g.RoomId == roomId && g.UserId == actor.UserId, cancellationToken);
}
