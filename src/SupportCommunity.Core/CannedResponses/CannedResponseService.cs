using System.Globalization;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using SupportCommunity.Data;
using SupportCommunity.Identity;
using SupportCommunity.Messages;

namespace SupportCommunity.CannedResponses;

/// <summary>A canned response as the picker, the management page and the API show it.</summary>
/// <param name="Mine">The caller owns it (their personal one, or a shared one they added).</param>
/// <param name="CanEdit">The caller may change and delete it.</param>
public sealed record CannedResponseDto(
    int Id,
    string Shortcut,
    string Title,
    string Body,
    bool Shared,
    string OwnerName,
    bool Mine,
    bool CanEdit,
    DateTimeOffset CreatedAt,
    DateTimeOffset UpdatedAt);

/// <summary>A new canned response, or one's new state. A blank title takes the shortcut.</summary>
public sealed record CannedResponseInput(string? Shortcut, string? Title, string? Body, bool Shared);

/// <summary>
/// Canned responses, for staff (admins, community managers, support agents) and volunteer moderators. Everyone of
/// them uses the shared ones and their own personal ones; only community managers and admins add, change or delete
/// shared ones, and only its owner a personal one. Everyone else is refused on every path, and a personal response
/// of someone else is answered like one that does not exist.
/// </summary>
public sealed class CannedResponseService(IDbContextFactory<CommunityDbContext> dbFactory, IOptions<CommunityLimits> limits, TimeProvider clock)
{
    public const int MaxShortcutLength = 60;
    public const int MaxTitleLength = 60;
    public const int MaxSearchResults = 10;
    public const int MaxQueryLength = 100;

    /// <summary>Caps that keep every list small enough to read whole (the picker, the management page).</summary>
    public const int MaxPersonalPerOwner = 200;

    public const int MaxShared = 500;

    public const string NotForYou = "Canned responses are for staff and moderators.";
    public const string SharedOnlyManagers = "Only community managers and admins can add, change or delete shared canned responses.";

    /// <summary>Staff and volunteer moderators may use canned responses; customers and trusted members may not.</summary>
    public static bool MayUse(Actor? actor) => actor is not null && (actor.IsStaff || actor.IsVolunteerModerator);

    /// <summary>Adding, changing and deleting shared responses.</summary>
    public static bool MayManageShared(Actor? actor) => MayUse(actor) && actor!.ManagesCommunity;

    /// <summary>Every response the caller may use, by shortcut: the shared ones and their own.</summary>
    public async Task<IReadOnlyList<CannedResponseDto>> ListAsync(Actor actor, CancellationToken cancellationToken = default)
    {
        Authorize(actor);
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        var rows = await Visible(db, actor)
            .OrderBy(c => c.Shortcut).ThenBy(c => c.Shared).ThenBy(c => c.Id)
            .Take(MaxShared + MaxPersonalPerOwner)
            .ToListAsync(cancellationToken);
        return await ToDtosAsync(db, actor, rows, cancellationToken);
    }

    /// <summary>
    /// The picker's suggestions for what follows the <c>/</c> (a leading <c>/</c> is ignored), at most
    /// <see cref="MaxSearchResults"/>: shortcuts that start with it first, then titles that start with it or have a word
    /// that does, then titles and bodies that contain it. An empty query lists the first ones by shortcut.
    /// </summary>
    public async Task<IReadOnlyList<CannedResponseDto>> SearchAsync(Actor actor, string? query, CancellationToken cancellationToken = default)
    {
        Authorize(actor);
        var q = (query ?? "").Trim().TrimStart('/').Trim().ToLowerInvariant();
        if (q.Length > MaxQueryLength)
        {
            throw CommunityException.Invalid($"A search is at most {MaxQueryLength} characters.");
        }

        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        var visible = Visible(db, actor);
        List<CannedResponse> rows;
        if (q.Length == 0)
        {
            rows = await visible.OrderBy(c => c.Shortcut).ThenBy(c => c.Shared).ThenBy(c => c.Id)
                .Take(MaxSearchResults).ToListAsync(cancellationToken);
        }
        else
        {
            var wordStart = " " + q;
#pragma warning disable CA1304, CA1311, CA1862 // translated to the database's lower(), which no culture affects
            rows = await visible
                .Where(c => c.Shortcut.StartsWith(q) || c.Title.ToLower().Contains(q) || c.Body.ToLower().Contains(q))
                .OrderBy(c => c.Shortcut == q ? 0
                    : c.Shortcut.StartsWith(q) ? 1
                    : c.Title.ToLower().StartsWith(q) || c.Title.ToLower().Contains(wordStart) ? 2
                    : c.Title.ToLower().Contains(q) ? 3
                    : 4)
                .ThenBy(c => c.Shortcut).ThenBy(c => c.Shared).ThenBy(c => c.Id)
                .Take(MaxSearchResults)
                .ToListAsync(cancellationToken);
#pragma warning restore CA1304, CA1311, CA1862
        }

        return await ToDtosAsync(db, actor, rows, cancellationToken);
    }

    public async Task<CannedResponseDto> CreateAsync(Actor actor, CannedResponseInput input, CancellationToken cancellationToken = default)
    {
        Authorize(actor);
        var (shortcut, title, body) = Validate(input);
        if (input.Shared && !MayManageShared(actor))
        {
            throw CommunityException.Forbidden(SharedOnlyManagers);
        }

        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        await CheckRoomForOneMoreAsync(db, actor, input.Shared, cancellationToken);
        await CheckShortcutFreeAsync(db, actor.UserId, input.Shared, shortcut, exceptId: null, cancellationToken);
        var now = clock.GetUtcNow();
        var canned = new CannedResponse
        {
            Shortcut = shortcut,
            Title = title,
            Body = body,
            Shared = input.Shared,
            OwnerId = actor.UserId,
            CreatedAt = now,
            UpdatedAt = now,
        };
        db.CannedResponses.Add(canned);
        await db.SaveChangesAsync(cancellationToken);
        return await ToDtoAsync(db, actor, canned, cancellationToken);
    }

    /// <summary>
    /// Changes a response. Making a personal response shared, or a shared one personal, takes a community manager or an
    /// admin; a shared response made personal becomes the caller's own.
    /// </summary>
    public async Task<CannedResponseDto> UpdateAsync(Actor actor, int id, CannedResponseInput input, CancellationToken cancellationToken = default)
    {
        Authorize(actor);
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        var canned = await FindEditableAsync(db, actor, id, deleted: false, cancellationToken);
        var (shortcut, title, body) = Validate(input);
        if (input.Shared != canned.Shared && !MayManageShared(actor))
        {
            throw CommunityException.Forbidden(SharedOnlyManagers);
        }

        var owner = input.Shared ? canned.OwnerId : actor.UserId;
        if (input.Shared != canned.Shared)
        {
            await CheckRoomForOneMoreAsync(db, actor, input.Shared, cancellationToken);
        }

        if (shortcut != canned.Shortcut || input.Shared != canned.Shared || owner != canned.OwnerId)
        {
            await CheckShortcutFreeAsync(db, owner, input.Shared, shortcut, exceptId: canned.Id, cancellationToken);
        }

        if (shortcut == canned.Shortcut && title == canned.Title && body == canned.Body && input.Shared == canned.Shared)
        {
            return await ToDtoAsync(db, actor, canned, cancellationToken);
        }

        canned.Shortcut = shortcut;
        canned.Title = title;
        canned.Body = body;
        canned.Shared = input.Shared;
        canned.OwnerId = owner;
        canned.UpdatedAt = clock.GetUtcNow();
        await db.SaveChangesAsync(cancellationToken);
        return await ToDtoAsync(db, actor, canned, cancellationToken);
    }

    /// <summary>Soft-deletes a response: it leaves every list at once and can be brought back with <see cref="RestoreAsync"/>.</summary>
    public async Task DeleteAsync(Actor actor, int id, CancellationToken cancellationToken = default)
    {
        Authorize(actor);
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        var canned = await FindEditableAsync(db, actor, id, deleted: false, cancellationToken);
        canned.DeletedAt = clock.GetUtcNow();
        await db.SaveChangesAsync(cancellationToken);
    }

    /// <summary>Undoes a delete, for whoever may delete it; its shortcut must still be free.</summary>
    public async Task<CannedResponseDto> RestoreAsync(Actor actor, int id, CancellationToken cancellationToken = default)
    {
        Authorize(actor);
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        var canned = await FindEditableAsync(db, actor, id, deleted: true, cancellationToken);
        await CheckRoomForOneMoreAsync(db, actor, canned.Shared, cancellationToken);
        await CheckShortcutFreeAsync(db, canned.OwnerId, canned.Shared, canned.Shortcut, exceptId: canned.Id, cancellationToken);
        canned.DeletedAt = null;
        await db.SaveChangesAsync(cancellationToken);
        return await ToDtoAsync(db, actor, canned, cancellationToken);
    }

    private static void Authorize(Actor actor)
    {
        if (!MayUse(actor))
        {
            throw CommunityException.Forbidden(NotForYou);
        }
    }

    private static IQueryable<CannedResponse> Visible(CommunityDbContext db, Actor actor) =>
        db.CannedResponses.AsNoTracking().Where(c => c.DeletedAt == null && (c.Shared || c.OwnerId == actor.UserId));

    private static bool MayEdit(Actor actor, CannedResponse canned) =>
        canned.Shared ? MayManageShared(actor) : canned.OwnerId == actor.UserId;

    /// <summary>
    /// A response the caller may change: someone else's personal one (or a deleted one the caller did not delete rights
    /// to) is "not found", exactly like an unknown id; a shared one the caller may only use is forbidden.
    /// </summary>
    private static async Task<CannedResponse> FindEditableAsync(
        CommunityDbContext db, Actor actor, int id, bool deleted, CancellationToken cancellationToken)
    {
        var canned = await db.CannedResponses.SingleOrDefaultAsync(c => c.Id == id, cancellationToken);
        if (canned is null || (canned.DeletedAt is not null) != deleted || (!canned.Shared && canned.OwnerId != actor.UserId)
            || (deleted && !MayEdit(actor, canned)))
        {
            throw CommunityException.NotFound($"There is no canned response {id.ToString(CultureInfo.InvariantCulture)}.");
        }

        if (!MayEdit(actor, canned))
        {
            throw CommunityException.Forbidden(SharedOnlyManagers);
        }

        return canned;
    }

    private (string Shortcut, string Title, string Body) Validate(CannedResponseInput input)
    {
        var shortcut = (input.Shortcut ?? "").Trim().TrimStart('/').ToLowerInvariant();
        if (shortcut.Length is 0 or > MaxShortcutLength || !shortcut.All(IsShortcutChar))
        {
            throw CommunityException.Invalid(
                $"A shortcut is 1 to {MaxShortcutLength} letters, digits, '-' or '_', for example refund-status.");
        }

        string body;
        try
        {
            body = MessageText.Normalize(input.Body, limits.Value.MaxBodyLength);
        }
        catch (CommunityException ex) when (ex.Error == CommunityError.Invalid)
        {
            throw CommunityException.Invalid("A canned response needs some text.");
        }
        catch (CommunityException ex) when (ex.Error == CommunityError.TooLarge)
        {
            throw new CommunityException(CommunityError.TooLarge, ex.Message.Replace("A message", "A canned response", StringComparison.Ordinal));
        }

        var title = NormalizeTitle(input.Title) ?? shortcut;
        if (title.Length > MaxTitleLength)
        {
            throw new CommunityException(CommunityError.TooLarge, $"A title can be at most {MaxTitleLength} characters; this one has {title.Length}.");
        }

        return (shortcut, title, body);
    }

    /// <summary>The title as one line (whitespace and line breaks fold to single spaces), or null when it has no visible text.</summary>
    private static string? NormalizeTitle(string? raw)
    {
        try
        {
            return string.IsNullOrWhiteSpace(raw) ? null : MessageText.Excerpt(MessageText.Normalize(raw, MaxTitleLength * 4), int.MaxValue);
        }
        catch (CommunityException ex) when (ex.Error == CommunityError.Invalid)
        {
            return null;
        }
        catch (CommunityException ex) when (ex.Error == CommunityError.TooLarge)
        {
            throw new CommunityException(CommunityError.TooLarge, $"A title can be at most {MaxTitleLength} characters.");
        }
    }

    /// <summary>What may follow the <c>/</c>: the composer's picker uses the same rule.</summary>
    public static bool IsShortcutChar(char c) => char.IsLetterOrDigit(c) || c is '-' or '_';

    /// <summary>The live shared responses, or the live personal ones of <paramref name="ownerId"/>.</summary>
    private static IQueryable<CannedResponse> InScope(CommunityDbContext db, string ownerId, bool shared) => shared
        ? db.CannedResponses.Where(c => c.DeletedAt == null && c.Shared)
        : db.CannedResponses.Where(c => c.DeletedAt == null && !c.Shared && c.OwnerId == ownerId);

    private static async Task CheckRoomForOneMoreAsync(CommunityDbContext db, Actor actor, bool shared, CancellationToken cancellationToken)
    {
        var count = await InScope(db, actor.UserId, shared).CountAsync(cancellationToken);
        var max = shared ? MaxShared : MaxPersonalPerOwner;
        if (count >= max)
        {
            throw new CommunityException(CommunityError.Conflict, shared
                ? $"There are already {max} shared canned responses, the most there can be: delete one first."
                : $"You already have {max} personal canned responses, the most you can have: delete one first.");
        }
    }

    private static async Task CheckShortcutFreeAsync(
        CommunityDbContext db, string ownerId, bool shared, string shortcut, int? exceptId, CancellationToken cancellationToken)
    {
        var taken = await InScope(db, ownerId, shared).AnyAsync(c => c.Shortcut == shortcut && c.Id != exceptId, cancellationToken);
        if (taken)
        {
            throw new CommunityException(CommunityError.Conflict, shared
                ? $"There is already a shared /{shortcut}: pick another shortcut."
                : $"You already have a personal /{shortcut}: pick another shortcut.");
        }
    }

    private static async Task<CannedResponseDto> ToDtoAsync(CommunityDbContext db, Actor actor, CannedResponse canned, CancellationToken cancellationToken) =>
        (await ToDtosAsync(db, actor, [canned], cancellationToken))[0];

    private static async Task<IReadOnlyList<CannedResponseDto>> ToDtosAsync(
        CommunityDbContext db, Actor actor, IReadOnlyList<CannedResponse> rows, CancellationToken cancellationToken)
    {
        var ownerIds = rows.Select(r => r.OwnerId).Distinct().ToList();
        var names = await db.Users.AsNoTracking()
            .Where(u => ownerIds.Contains(u.Id))
            .ToDictionaryAsync(u => u.Id, u => u.DisplayName, cancellationToken);
        return [.. rows.Select(r => new CannedResponseDto(
            r.Id, r.Shortcut, r.Title, r.Body, r.Shared,
            names.GetValueOrDefault(r.OwnerId) ?? "Former member",
            r.OwnerId == actor.UserId,
            MayEdit(actor, r),
            r.CreatedAt, r.UpdatedAt))];
    }
}
