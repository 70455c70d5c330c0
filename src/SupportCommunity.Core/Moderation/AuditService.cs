using System.Globalization;
using System.Runtime.CompilerServices;
using Microsoft.EntityFrameworkCore;
using SupportCommunity.Data;
using SupportCommunity.Identity;

namespace SupportCommunity.Moderation;

/// <summary>What the audit view filters on; every field is optional. <see cref="To"/> is exclusive.</summary>
public sealed record AuditFilter(
    string? Action = null,
    string? ActorId = null,
    string? TargetUserId = null,
    string? RoomSlug = null,
    DateTimeOffset? From = null,
    DateTimeOffset? To = null,
    string? ActorName = null,
    string? TargetName = null);

public sealed record AuditEntryDto(
    long Id,
    DateTimeOffset At,
    string Action,
    string ActorId,
    string ActorName,
    string? TargetUserId,
    string? TargetName,
    string? RoomSlug,
    long? MessageId,
    string Reason,
    string? Before,
    string? After,
    DateTimeOffset? ExpiresAt);

/// <summary>A page of the audit log, newest first; ask for the next with <c>before</c> = <see cref="NextBefore"/>.</summary>
public sealed record AuditPage(IReadOnlyList<AuditEntryDto> Entries, long? NextBefore);

/// <summary>A message as staff see it in the audit view: its text now (even deleted), and every earlier text.</summary>
public sealed record MessageHistoryDto(
    long MessageId,
    string RoomSlug,
    string AuthorName,
    string Body,
    DateTimeOffset CreatedAt,
    DateTimeOffset? DeletedAt,
    string? DeletedByName,
    IReadOnlyList<MessageEditDto> Edits);

/// <summary>An earlier text of a message, replaced at <see cref="EditedAt"/> by <see cref="EditedByName"/>.</summary>
public sealed record MessageEditDto(string Body, DateTimeOffset EditedAt, string EditedByName);

/// <summary>
/// Reads the audit log (design.md issue 6 item 8): managers and admins see everything; volunteer moderators see the
/// entries of the rooms they moderate; nobody else sees any. Paged by keyset on the entry id, newest first.
/// </summary>
public sealed class AuditService(IDbContextFactory<CommunityDbContext> dbFactory, ModerationScope scope)
{
    public const int MaxPageSize = 200;

    public async Task<AuditPage> ListAsync(
        Actor actor, AuditFilter filter, long? before, int? limit, CancellationToken cancellationToken = default)
    {
        var size = limit ?? 50;
        if (size is < 1 or > MaxPageSize)
        {
            throw CommunityException.Invalid($"limit must be between 1 and {MaxPageSize}.");
        }

        var rooms = await VisibleRoomsAsync(actor, cancellationToken);
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        var query = await QueryAsync(db, rooms, filter, cancellationToken);
        if (before is { } b)
        {
            query = query.Where(e => e.Id < b);
        }

        var rows = await Project(db, query.OrderByDescending(e => e.Id).Take(size + 1)).ToListAsync(cancellationToken);
        var page = rows.Take(size).ToList();
        return new AuditPage(page, rows.Count > size ? page[^1].Id : null);
    }

    /// <summary>Every entry matching <paramref name="filter"/>, newest first, read in batches so memory stays flat.</summary>
    public async IAsyncEnumerable<AuditEntryDto> StreamAsync(
        Actor actor, AuditFilter filter, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        var rooms = await VisibleRoomsAsync(actor, cancellationToken);
        long? before = null;
        while (true)
        {
            List<AuditEntryDto> batch;
            await using (var db = await dbFactory.CreateDbContextAsync(cancellationToken))
            {
                var query = await QueryAsync(db, rooms, filter, cancellationToken);
                if (before is { } b)
                {
                    query = query.Where(e => e.Id < b);
                }

                batch = await Project(db, query.OrderByDescending(e => e.Id).Take(500)).ToListAsync(cancellationToken);
            }

            foreach (var entry in batch)
            {
                yield return entry;
            }

            if (batch.Count < 500)
            {
                yield break;
            }

            before = batch[^1].Id;
        }
    }

    /// <summary>A message's full text history, for managers and the moderators of its room, deleted or not.</summary>
    public async Task<MessageHistoryDto> GetMessageHistoryAsync(Actor actor, long messageId, CancellationToken cancellationToken = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        var message = await db.Messages.AsNoTracking().SingleOrDefaultAsync(m => m.Id == messageId, cancellationToken);
        if (message is null || !await scope.ModeratesAsync(actor, message.RoomId, cancellationToken))
        {
            throw CommunityException.NotFound($"There is no message {messageId} in a room you moderate.");
        }

        var slug = await db.Rooms.Where(r => r.Id == message.RoomId).Select(r => r.Slug).SingleAsync(cancellationToken);
        var deletedBy = message.DeletedById is null ? null
            : await db.Users.Where(u => u.Id == message.DeletedById).Select(u => u.DisplayName).SingleOrDefaultAsync(cancellationToken);
        var edits = await (
                from e in db.MessageEdits.AsNoTracking()
                join u in db.Users on e.EditedById equals u.Id into byJoin
                from u in byJoin.DefaultIfEmpty()
                where e.MessageId == messageId
                orderby e.Id
                select new MessageEditDto(e.Body, e.EditedAt, u == null ? "" : u.DisplayName))
            .ToListAsync(cancellationToken);
        return new MessageHistoryDto(message.Id, slug, message.AuthorName, message.Body, message.CreatedAt, message.DeletedAt, deletedBy, edits);
    }

    /// <summary>Null: every room (managers, admins). Otherwise the rooms whose entries the actor may read.</summary>
    private async ValueTask<IReadOnlySet<int>?> VisibleRoomsAsync(Actor actor, CancellationToken cancellationToken)
    {
        if (actor.ManagesCommunity)
        {
            return null;
        }

        var rooms = await scope.ModeratedRoomsAsync(actor, cancellationToken);
        return rooms.Count > 0 ? rooms : throw CommunityException.Forbidden("Only community managers, admins and moderators can read the audit log.");
    }

    private static async Task<IQueryable<AuditEntry>> QueryAsync(
        CommunityDbContext db, IReadOnlySet<int>? rooms, AuditFilter filter, CancellationToken cancellationToken)
    {
        IQueryable<AuditEntry> query;
        if ((filter.From is not null || filter.To is not null) && db.Database.ProviderName == "Microsoft.EntityFrameworkCore.Sqlite")
        {
            // SQLite keeps DateTimeOffset as ISO text that EF cannot compare; every entry is written in UTC, so the
            // text compares in time order.
            var from = Format(filter.From ?? DateTimeOffset.MinValue);
            var to = Format(filter.To ?? DateTimeOffset.MaxValue);
            query = db.AuditEntries.FromSqlInterpolated($"SELECT * FROM AuditEntries WHERE At >= {from} AND At < {to}").AsNoTracking();
        }
        else
        {
            query = db.AuditEntries.AsNoTracking();
            if (filter.From is { } from)
            {
                query = query.Where(e => e.At >= from);
            }

            if (filter.To is { } to)
            {
                query = query.Where(e => e.At < to);
            }
        }

        if (rooms is not null)
        {
            var ids = rooms.ToList();
            query = query.Where(e => e.RoomId != null && ids.Contains(e.RoomId.Value));
        }

        if (!string.IsNullOrEmpty(filter.Action))
        {
            query = query.Where(e => e.Action == filter.Action);
        }

        if (!string.IsNullOrEmpty(filter.ActorId))
        {
            query = query.Where(e => e.ActorId == filter.ActorId);
        }

        if (!string.IsNullOrWhiteSpace(filter.ActorName))
        {
            var name = filter.ActorName.Trim();
            query = query.Where(e => e.ActorName.Contains(name));
        }

        if (!string.IsNullOrWhiteSpace(filter.TargetName))
        {
            var name = filter.TargetName.Trim();
            query = query.Where(e => e.TargetName != null && e.TargetName.Contains(name));
        }

        if (!string.IsNullOrEmpty(filter.TargetUserId))
        {
            query = query.Where(e => e.TargetUserId == filter.TargetUserId);
        }

        if (!string.IsNullOrEmpty(filter.RoomSlug))
        {
            var roomId = await db.Rooms.Where(r => r.Slug == filter.RoomSlug).Select(r => (int?)r.Id).SingleOrDefaultAsync(cancellationToken) ?? -1;
            query = query.Where(e => e.RoomId == roomId);
        }

        return query;
    }

    private static IQueryable<AuditEntryDto> Project(CommunityDbContext db, IQueryable<AuditEntry> query) =>
        from e in query
        join r in db.Rooms on e.RoomId equals (int?)r.Id into roomJoin
        from r in roomJoin.DefaultIfEmpty()
        orderby e.Id descending
        select new AuditEntryDto(
            e.Id, e.At, e.Action, e.ActorId, e.ActorName, e.TargetUserId, e.TargetName, r == null ? null : r.Slug, e.MessageId,
            e.Reason, e.Before, e.After, e.ExpiresAt);

    private static string Format(DateTimeOffset value) =>
        value.ToUniversalTime().ToString("yyyy-MM-dd HH:mm:ss.FFFFFFFzzz", CultureInfo.InvariantCulture);
}

/// <summary>
/// CSV for the audit export (RFC 4180): every cell quoted when needed, and cells that a spreadsheet would run as a
/// formula (starting with = + - @, tab or carriage return) prefixed with a single quote.
/// </summary>
public static class AuditCsv
{
    public static readonly string Header = Row(["id", "at", "action", "actor_id", "actor", "target_id", "target", "room", "message_id", "reason", "before", "after", "expires_at"]);

    public static string Row(AuditEntryDto e) => Row([
        e.Id.ToString(CultureInfo.InvariantCulture),
        e.At.ToUniversalTime().ToString("O", CultureInfo.InvariantCulture),
        e.Action,
        e.ActorId,
        e.ActorName,
        e.TargetUserId,
        e.TargetName,
        e.RoomSlug,
        e.MessageId?.ToString(CultureInfo.InvariantCulture),
        e.Reason,
        e.Before,
        e.After,
        e.ExpiresAt?.ToUniversalTime().ToString("O", CultureInfo.InvariantCulture),
    ]);

    public static string Cell(string? value)
    {
        if (string.IsNullOrEmpty(value))
        {
            return "";
        }

        if (value[0] is '=' or '+' or '-' or '@' or '\t' or '\r')
        {
            value = "'" + value;
        }

        return value.AsSpan().IndexOfAny("\",\r\n") >= 0 ? "\"" + value.Replace("\"", "\"\"") + "\"" : value;
    }

    private static string Row(IEnumerable<string?> cells) => string.Join(',', cells.Select(Cell)) + "\r\n";
}
