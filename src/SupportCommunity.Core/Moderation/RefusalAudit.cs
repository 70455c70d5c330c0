using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Caching.Memory;
using Microsoft.Extensions.Logging;
using SupportCommunity.Data;
using SupportCommunity.Identity;
using SupportCommunity.Rooms;

namespace SupportCommunity.Moderation;

/// <summary>
/// What a moderation or role action was aimed at, for the audit entry of its refusal: any of a member, a room, a
/// message, a sanction or a held send (the member and room are looked up from the others when not given).
/// </summary>
public sealed record AttemptedAction(
    string Action, string? TargetUserId = null, string? RoomSlug = null, long? MessageId = null, long? SanctionId = null, long? HeldId = null);

/// <summary>
/// Puts in the audit log what staff must see besides the actions taken: a member acting beyond their rights
/// (<see cref="AuditActions.AccessDenied"/>, by that member, with the refusal as the reason), a send automod blocked
/// (<see cref="AuditActions.AutomodBlock"/>, with the text), and a member throttled by the flood limit
/// (<see cref="AuditActions.FloodThrottle"/>).
/// </summary>
/// <remarks>
/// The hub and the API are public: a hostile client could refuse itself thousands of times to fill the log. Each kind
/// is therefore written at most once per member, kind and room (or target) every <see cref="Quiet"/> on each node; the
/// first refusal of a burst is always there. Recording never fails the call it records: the refusal stands.
/// </remarks>
public sealed partial class RefusalAudit(
    IDbContextFactory<CommunityDbContext> dbFactory,
    IMemoryCache cache,
    TimeProvider clock,
    ILogger<RefusalAudit> logger)
{
    public static readonly TimeSpan Quiet = TimeSpan.FromMinutes(1);

    /// <summary>The actor of automod's blocks in the audit log.</summary>
    public static readonly Actor Automod = new("system:automod", "Automod", new HashSet<string>());

    /// <summary>The actor of flood throttling in the audit log.</summary>
    public static readonly Actor FloodLimit = new("system:flood-limit", "Flood limit", new HashSet<string>());

    /// <summary>Runs <paramref name="action"/>; a refusal for lack of rights (403) is recorded, then thrown on.</summary>
    public async Task<T> GuardAsync<T>(Actor actor, AttemptedAction attempted, Func<Task<T>> action)
    {
        try
        {
            return await action();
        }
        catch (CommunityException ex) when (ex.Error == CommunityError.Forbidden)
        {
            await RecordOnceAsync(actor, attempted, ex);
            throw;
        }
    }

    /// <inheritdoc cref="GuardAsync{T}(Actor, AttemptedAction, Func{Task{T}})"/>
    public async Task GuardAsync(Actor actor, AttemptedAction attempted, Func<Task> action)
    {
        try
        {
            await action();
        }
        catch (CommunityException ex) when (ex.Error == CommunityError.Forbidden)
        {
            await RecordOnceAsync(actor, attempted, ex);
            throw;
        }
    }

    /// <summary>
    /// One entry per refusal: an action that calls another guarded one (the queue's timeout calls the sanction
    /// service's) records the refusal where it was decided, the innermost guard.
    /// </summary>
    private async Task RecordOnceAsync(Actor actor, AttemptedAction attempted, CommunityException refusal)
    {
        if (refusal.Data.Contains(typeof(RefusalAudit)))
        {
            return;
        }

        refusal.Data[typeof(RefusalAudit)] = true;
        await DeniedAsync(actor, attempted, refusal.Message);
    }

    /// <summary>Records that <paramref name="actor"/> tried <paramref name="attempted"/> and was refused with <paramref name="refusal"/>.</summary>
    public Task DeniedAsync(Actor actor, AttemptedAction attempted, string refusal) =>
        RecordAsync($"denied|{actor.UserId}|{attempted.Action}|{attempted.TargetUserId}|{attempted.RoomSlug}", async db =>
        {
            var (targetId, roomId) = await ResolveAsync(db, attempted);
            AuditLog.Add(db, actor, AuditActions.AccessDenied, refusal, clock.GetUtcNow(),
                targetId, await NameOfAsync(db, targetId), roomId, attempted.MessageId, before: null, after: Describe(attempted));
        });

    /// <summary>Records a send automod blocked: the author, the room, the rule and the text (staff may read it here).</summary>
    public Task BlockedAsync(Actor author, RoomKey room, string rule, string text) =>
        RecordAsync($"blocked|{author.UserId}|{room.Id}|{rule}", db =>
        {
            AuditLog.Add(db, Automod, AuditActions.AutomodBlock, $"Blocked by the automod rule \"{rule}\".", clock.GetUtcNow(),
                author.UserId, author.DisplayName, room.Id, before: text, after: "not posted");
            return Task.CompletedTask;
        });

    /// <summary>Records that the flood limit refused a member's sends in a room.</summary>
    public Task ThrottledAsync(Actor author, RoomKey room, string refusal) =>
        RecordAsync($"flood|{author.UserId}|{room.Id}", db =>
        {
            AuditLog.Add(db, FloodLimit, AuditActions.FloodThrottle, $"Sending too fast in #{room.Slug}: {refusal}", clock.GetUtcNow(),
                author.UserId, author.DisplayName, room.Id, after: "sends refused");
            return Task.CompletedTask;
        });

    private async Task RecordAsync(string key, Func<CommunityDbContext, Task> add)
    {
        var cacheKey = (typeof(RefusalAudit), key);
        if (cache.TryGetValue(cacheKey, out _))
        {
            return;
        }

        cache.Set(cacheKey, true, new MemoryCacheEntryOptions { AbsoluteExpirationRelativeToNow = Quiet, Size = 1 });
        try
        {
            await using var db = await dbFactory.CreateDbContextAsync(CancellationToken.None);
            await add(db);
            await db.SaveChangesAsync(CancellationToken.None);
        }
        catch (Exception ex)
        {
            RecordFailed(ex, key);
        }
    }

    private static async Task<(string? UserId, int? RoomId)> ResolveAsync(CommunityDbContext db, AttemptedAction attempted)
    {
        var userId = attempted.TargetUserId;
        int? roomId = attempted.RoomSlug is { } slug
            ? await db.Rooms.Where(r => r.Slug == slug).Select(r => (int?)r.Id).SingleOrDefaultAsync()
            : null;
        if (attempted.MessageId is { } messageId
            && await db.Messages.Where(m => m.Id == messageId).Select(m => new { m.AuthorId, m.RoomId }).SingleOrDefaultAsync() is { } message)
        {
            userId ??= message.AuthorId;
            roomId ??= message.RoomId;
        }

        if (attempted.SanctionId is { } sanctionId
            && await db.Sanctions.Where(s => s.Id == sanctionId).Select(s => new { s.UserId, s.RoomId }).SingleOrDefaultAsync() is { } sanction)
        {
            userId ??= sanction.UserId;
            roomId ??= sanction.RoomId;
        }

        if (attempted.HeldId is { } heldId
            && await db.HeldMessages.Where(h => h.Id == heldId).Select(h => new { h.AuthorId, h.RoomId }).SingleOrDefaultAsync() is { } held)
        {
            userId ??= held.AuthorId;
            roomId ??= held.RoomId;
        }

        return (userId, roomId);
    }

    private static async Task<string?> NameOfAsync(CommunityDbContext db, string? userId) =>
        userId is null ? null : await db.Users.Where(u => u.Id == userId).Select(u => u.DisplayName).SingleOrDefaultAsync();

    /// <summary>"tried sanction.timeout", with the sanction or held send it named.</summary>
    private static string Describe(AttemptedAction attempted) =>
        "tried " + attempted.Action
        + (attempted.SanctionId is { } s ? $" (sanction {s})" : "")
        + (attempted.HeldId is { } h ? $" (held message {h})" : "");

    [LoggerMessage(Level = LogLevel.Warning, Message = "Could not write the audit entry {Key}; the refusal stands")]
    private partial void RecordFailed(Exception exception, string key);
}
