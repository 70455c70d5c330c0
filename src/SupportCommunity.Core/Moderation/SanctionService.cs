using SupportCommunity.Messages;
using System.Globalization;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Logging;
using SupportCommunity.Data;
using SupportCommunity.Events;
using SupportCommunity.Identity;
using SupportCommunity.Rooms;

namespace SupportCommunity.Moderation;

/// <summary>
/// A sanction as clients see it. <see cref="Kind"/>: <c>timeout</c>, <c>room-ban</c> or <c>community-ban</c>;
/// <see cref="ExpiresAt"/> null: until lifted; <see cref="Active"/> false once lifted or expired.
/// </summary>
public sealed record SanctionDto(
    long Id,
    string UserId,
    string UserName,
    string Kind,
    string? RoomSlug,
    string Reason,
    DateTimeOffset CreatedAt,
    DateTimeOffset? ExpiresAt,
    bool Active,
    DateTimeOffset? LiftedAt = null);

/// <summary>
/// Timeouts, room bans and community bans (ADR-0008). Who may: managers and admins any of them against anyone but
/// staff; volunteer moderators timeouts and room bans, for the rooms they moderate, against members who are neither
/// staff nor moderators; nobody else. A timeout is community-wide (it stops posting anywhere); a moderator's timeout
/// names the room it was earned in, which must be one they moderate. Enforcement reads <see cref="ActorDirectory"/>
/// (the database, cached at most 2 s and dropped on change on every node).
/// </summary>
public sealed partial class SanctionService(
    IDbContextFactory<CommunityDbContext> dbFactory,
    RoomDirectory rooms,
    ActorDirectory actors,
    ModerationScope scope,
    RefusalAudit refusals,
    IRoomEventBus bus,
    TimeProvider clock,
    ILogger<SanctionService> logger)
{
    public static readonly TimeSpan MinTimeout = TimeSpan.FromMinutes(1);
    public static readonly TimeSpan MaxTimeout = TimeSpan.FromDays(28);

    /// <summary>The timeout presets the UI offers: 1 min, 10 min, 1 h, 1 day, 1 week.</summary>
    public static readonly IReadOnlyList<TimeSpan> TimeoutPresets =
        [TimeSpan.FromMinutes(1), TimeSpan.FromMinutes(10), TimeSpan.FromHours(1), TimeSpan.FromDays(1), TimeSpan.FromDays(7)];

    public const int MaxReasonLength = 500;

    /// <summary>Stops <paramref name="userId"/> posting anywhere for <paramref name="duration"/> (1 min to 28 days).</summary>
    public Task<SanctionDto> TimeoutAsync(
        Actor actor, string userId, TimeSpan duration, string? reason, string? roomSlug = null, CancellationToken cancellationToken = default) =>
        TimeoutCoreAsync(actor, userId, duration, reason, roomSlug, messageId: null, alsoStore: null, cancellationToken);

    /// <summary>
    /// The moderation queue's timeout of a reported message's author: <see cref="TimeoutAsync"/> with the same rules,
    /// the message named in the audit entry, and whatever <paramref name="alsoStore"/> writes (the reports'
    /// resolution) in the same transaction. When it throws, nothing is stored.
    /// </summary>
    internal Task<SanctionDto> TimeoutAsync(
        Actor actor, string userId, TimeSpan duration, string? reason, string roomSlug, long messageId,
        Func<CommunityDbContext, Task> alsoStore, CancellationToken cancellationToken) =>
        TimeoutCoreAsync(actor, userId, duration, reason, roomSlug, messageId, alsoStore, cancellationToken);

    private Task<SanctionDto> TimeoutCoreAsync(
        Actor actor, string userId, TimeSpan duration, string? reason, string? roomSlug, long? messageId,
        Func<CommunityDbContext, Task>? alsoStore, CancellationToken cancellationToken) =>
        refusals.GuardAsync(actor, new AttemptedAction(AuditActions.SanctionTimeout, userId, roomSlug, messageId),
            () => TimeoutCheckedAsync(actor, userId, duration, reason, roomSlug, messageId, alsoStore, cancellationToken));

    private async Task<SanctionDto> TimeoutCheckedAsync(
        Actor actor, string userId, TimeSpan duration, string? reason, string? roomSlug, long? messageId,
        Func<CommunityDbContext, Task>? alsoStore, CancellationToken cancellationToken)
    {
        if (duration < MinTimeout || duration > MaxTimeout)
        {
            throw CommunityException.Invalid("A timeout lasts from 1 minute to 28 days.");
        }

        RoomKey? room = null;
        if (!actor.ManagesCommunity)
        {
            if (!actor.IsVolunteerModerator)
            {
                throw CommunityException.Forbidden("Only moderators can time out members.");
            }

            if (string.IsNullOrEmpty(roomSlug))
            {
                throw CommunityException.Invalid("Name the room you moderate where this happened.");
            }
        }

        if (!string.IsNullOrEmpty(roomSlug))
        {
            room = await rooms.GetAsync(roomSlug, cancellationToken);
            if (!await scope.ModeratesAsync(actor, room.Id, cancellationToken))
            {
                throw CommunityException.Forbidden("You can only time out members in rooms you moderate.");
            }
        }

        return await ApplyAsync(actor, userId, SanctionKind.Timeout, room, duration, reason, cancellationToken, messageId, alsoStore);
    }

    /// <summary>Keeps <paramref name="userId"/> out of a public room, for <paramref name="duration"/> or (null) until lifted.</summary>
    public Task<SanctionDto> BanFromRoomAsync(
        Actor actor, string userId, string roomSlug, TimeSpan? duration, string? reason, CancellationToken cancellationToken = default) =>
        refusals.GuardAsync(actor, new AttemptedAction(AuditActions.SanctionRoomBan, userId, roomSlug),
            () => BanFromRoomCheckedAsync(actor, userId, roomSlug, duration, reason, cancellationToken));

    private async Task<SanctionDto> BanFromRoomCheckedAsync(
        Actor actor, string userId, string roomSlug, TimeSpan? duration, string? reason, CancellationToken cancellationToken)
    {
        if (!actor.ManagesCommunity && !actor.IsVolunteerModerator)
        {
            throw CommunityException.Forbidden("Only moderators can ban members from a room.");
        }

        var room = await rooms.GetAsync(roomSlug, cancellationToken);
        if (!await scope.ModeratesAsync(actor, room.Id, cancellationToken))
        {
            throw CommunityException.Forbidden("You can only ban members from rooms you moderate.");
        }

        if (!room.IsPublic)
        {
            throw CommunityException.Invalid("Only public rooms have room bans.");
        }

        CheckDuration(duration);
        return await ApplyAsync(actor, userId, SanctionKind.RoomBan, room, duration, reason, cancellationToken);
    }

    /// <summary>Keeps <paramref name="userId"/> out of the whole community. Managers and admins only.</summary>
    public Task<SanctionDto> BanFromCommunityAsync(
        Actor actor, string userId, TimeSpan? duration, string? reason, CancellationToken cancellationToken = default) =>
        refusals.GuardAsync(actor, new AttemptedAction(AuditActions.SanctionCommunityBan, userId),
            () => BanFromCommunityCheckedAsync(actor, userId, duration, reason, cancellationToken));

    private async Task<SanctionDto> BanFromCommunityCheckedAsync(
        Actor actor, string userId, TimeSpan? duration, string? reason, CancellationToken cancellationToken)
    {
        if (!actor.ManagesCommunity)
        {
            throw CommunityException.Forbidden("Only community managers can ban members from the community.");
        }

        CheckDuration(duration);
        return await ApplyAsync(actor, userId, SanctionKind.CommunityBan, room: null, duration, reason, cancellationToken);
    }

    /// <summary>
    /// Lifts a sanction early (unmute, unban). Managers lift any; a volunteer moderator lifts room bans of their rooms
    /// and the timeouts they gave.
    /// </summary>
    public Task<SanctionDto> LiftAsync(Actor actor, long sanctionId, string? reason, CancellationToken cancellationToken = default) =>
        refusals.GuardAsync(actor, new AttemptedAction(AuditActions.SanctionLift, SanctionId: sanctionId),
            () => LiftCheckedAsync(actor, sanctionId, reason, cancellationToken));

    private async Task<SanctionDto> LiftCheckedAsync(Actor actor, long sanctionId, string? reason, CancellationToken cancellationToken)
    {
        if (!actor.ManagesCommunity && !actor.IsVolunteerModerator)
        {
            throw CommunityException.Forbidden("Only moderators can lift sanctions.");
        }

        var text = Reason(reason);
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        var sanction = await db.Sanctions.SingleOrDefaultAsync(s => s.Id == sanctionId, cancellationToken)
            ?? throw CommunityException.NotFound($"There is no sanction {sanctionId}.");
        if (!actor.ManagesCommunity)
        {
            var mayLift = sanction.Kind switch
            {
                SanctionKind.RoomBan => sanction.RoomId is { } roomId && await scope.ModeratesAsync(actor, roomId, cancellationToken),
                SanctionKind.Timeout => sanction.CreatedById == actor.UserId,
                _ => false,
            };
            if (!mayLift)
            {
                throw CommunityException.Forbidden("You can lift room bans in rooms you moderate and timeouts you gave.");
            }

            await scope.EnsureMayActOnAsync(actor, sanction.UserId, cancellationToken: cancellationToken);
        }

        var now = clock.GetUtcNow();
        var target = await db.Users.Where(u => u.Id == sanction.UserId).Select(u => u.DisplayName).SingleAsync(cancellationToken);
        var roomSlug = sanction.RoomId is { } id ? await db.Rooms.Where(r => r.Id == id).Select(r => r.Slug).SingleAsync(cancellationToken) : null;
        if (sanction.RevokedAt is not null || sanction.ExpiresAt <= now)
        {
            throw new CommunityException(CommunityError.Conflict, "This sanction is no longer in force.");
        }

        sanction.RevokedAt = now;
        sanction.RevokedById = actor.UserId;
        AuditLog.Add(db, actor, AuditActions.SanctionLift, text, now, sanction.UserId, target, sanction.RoomId,
            before: Describe(sanction.Kind, roomSlug, sanction.ExpiresAt), after: "lifted");
        await db.SaveChangesAsync(cancellationToken);

        var dto = ToDto(sanction, target, roomSlug, now);
        await PublishAsync(dto);
        return dto;
    }

    /// <summary>The caller's own sanctions in force now: what their UI shows (a timed-out composer).</summary>
    public async Task<IReadOnlyList<SanctionDto>> GetMineAsync(Actor actor, CancellationToken cancellationToken = default)
    {
        var active = await actors.GetActiveSanctionsAsync(actor.UserId, cancellationToken);
        if (active.Count == 0)
        {
            return [];
        }

        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        var now = clock.GetUtcNow();
        var result = new List<SanctionDto>(active.Count);
        foreach (var sanction in active)
        {
            var slug = sanction.RoomId is { } id ? await db.Rooms.Where(r => r.Id == id).Select(r => r.Slug).SingleAsync(cancellationToken) : null;
            result.Add(ToDto(sanction, actor.DisplayName, slug, now));
        }

        return result;
    }

    /// <summary>A user's sanctions, newest first (at most 100), for managers and moderators.</summary>
    public async Task<IReadOnlyList<SanctionDto>> ListForUserAsync(Actor actor, string userId, CancellationToken cancellationToken = default)
    {
        if (!actor.ManagesCommunity && !actor.IsVolunteerModerator)
        {
            throw CommunityException.Forbidden("Only moderators can see members' sanctions.");
        }

        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        var now = clock.GetUtcNow();
        var rows = await (
                from s in db.Sanctions.AsNoTracking()
                join u in db.Users on s.UserId equals u.Id
                join r in db.Rooms on s.RoomId equals (int?)r.Id into roomJoin
                from r in roomJoin.DefaultIfEmpty()
                where s.UserId == userId
                orderby s.Id descending
                select new { Sanction = s, u.DisplayName, Slug = r == null ? null : r.Slug })
            .Take(100)
            .ToListAsync(cancellationToken);
        return [.. rows.Select(r => ToDto(r.Sanction, r.DisplayName, r.Slug, now))];
    }

    /// <summary>Refuses a post by a timed-out or banned user with the reason and the time left.</summary>
    public static void EnsureMayPost(IReadOnlyList<Sanction> active, int roomId, DateTimeOffset now)
    {
        foreach (var sanction in active)
        {
            var left = sanction.ExpiresAt is { } until ? until - now : (TimeSpan?)null;
            switch (sanction.Kind)
            {
                case SanctionKind.CommunityBan:
                    throw CommunityException.Forbidden(left is { } l1
                        ? $"You are banned from the community for {FormatLeft(l1)}: {sanction.Reason}"
                        : $"You are banned from the community: {sanction.Reason}");
                case SanctionKind.RoomBan when sanction.RoomId == roomId:
                    throw CommunityException.Forbidden(left is { } l2
                        ? $"You are banned from this room for {FormatLeft(l2)}: {sanction.Reason}"
                        : $"You are banned from this room: {sanction.Reason}");
                case SanctionKind.Timeout when left is { } l3:
                    throw CommunityException.Forbidden($"You are timed out for {FormatLeft(l3)}: {sanction.Reason}");
            }
        }
    }

    /// <summary>Refuses a connection by a member banned from the community, with the reason and the time left.</summary>
    public async ValueTask EnsureMayConnectAsync(string userId, CancellationToken cancellationToken = default)
    {
        var active = await actors.GetActiveSanctionsAsync(userId, cancellationToken);
        if (active.Count > 0)
        {
            EnsureMayPost([.. active.Where(s => s.Kind == SanctionKind.CommunityBan)], roomId: 0, clock.GetUtcNow());
        }
    }

    /// <summary>True when a ban keeps the user out of the room (a room ban of it, or a community ban).</summary>
    public static bool IsBarred(IReadOnlyList<Sanction> active, int roomId) =>
        active.Any(s => s.Kind == SanctionKind.CommunityBan || (s.Kind == SanctionKind.RoomBan && s.RoomId == roomId));

    /// <summary>"9 min 58 s", "3 h 5 min", "6 days 2 h": the time left, to the second under an hour.</summary>
    public static string FormatLeft(TimeSpan left)
    {
        if (left < TimeSpan.FromSeconds(1))
        {
            left = TimeSpan.FromSeconds(1);
        }

        var seconds = (long)Math.Ceiling(left.TotalSeconds);
        var days = seconds / 86400;
        var hours = seconds % 86400 / 3600;
        var minutes = seconds % 3600 / 60;
        var secs = seconds % 60;
        return days > 0 ? $"{days} {(days == 1 ? "day" : "days")}{(hours > 0 ? $" {hours} h" : "")}"
            : hours > 0 ? $"{hours} h{(minutes > 0 ? $" {minutes} min" : "")}"
            : minutes > 0 ? $"{minutes} min{(secs > 0 ? $" {secs} s" : "")}"
            : $"{secs} s";
    }

    public static string KindName(SanctionKind kind) => kind switch
    {
        SanctionKind.Timeout => "timeout",
        SanctionKind.RoomBan => "room-ban",
        _ => "community-ban",
    };

    private async Task<SanctionDto> ApplyAsync(
        Actor actor, string userId, SanctionKind kind, RoomKey? room, TimeSpan? duration, string? reason, CancellationToken cancellationToken,
        long? messageId = null, Func<CommunityDbContext, Task>? alsoStore = null)
    {
        var text = Reason(reason);
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        var target = await db.Users.Where(u => u.Id == userId).Select(u => u.DisplayName).SingleOrDefaultAsync(cancellationToken)
            ?? throw CommunityException.NotFound("There is no such member.");
        await scope.EnsureMayActOnAsync(actor, userId, cancellationToken: cancellationToken);
        if ((await actors.GetRolesAsync(userId, cancellationToken)).Any(CommunityRoles.IsStaff))
        {
            throw CommunityException.Forbidden("Staff can't be timed out or banned.");
        }

        var now = clock.GetUtcNow();
        var sanction = new Sanction
        {
            UserId = userId,
            Kind = kind,
            // A timeout is community-wide; the room it was earned in goes to the audit entry.
            RoomId = kind == SanctionKind.RoomBan ? room!.Id : null,
            Reason = text,
            CreatedById = actor.UserId,
            CreatedAt = now,
            ExpiresAt = duration is { } d ? now + d : null,
        };
        db.Sanctions.Add(sanction);
        var action = kind switch
        {
            SanctionKind.Timeout => AuditActions.SanctionTimeout,
            SanctionKind.RoomBan => AuditActions.SanctionRoomBan,
            _ => AuditActions.SanctionCommunityBan,
        };
        AuditLog.Add(db, actor, action, text, now, userId, target, room?.Id, messageId,
            before: null, after: Describe(kind, room?.Slug, sanction.ExpiresAt), expiresAt: sanction.ExpiresAt);
        if (alsoStore is null)
        {
            await db.SaveChangesAsync(cancellationToken);
        }
        else
        {
            await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
            await alsoStore(db);
            await db.SaveChangesAsync(cancellationToken);
            await transaction.CommitAsync(cancellationToken);
        }

        var dto = ToDto(sanction, target, kind == SanctionKind.RoomBan ? room!.Slug : null, now);
        await PublishAsync(dto);
        return dto;
    }

    private async Task PublishAsync(SanctionDto dto)
    {
        actors.Forget(dto.UserId);
        try
        {
            await bus.PublishAsync(new SanctionChanged(dto.UserId, dto), CancellationToken.None);
        }
        catch (Exception ex)
        {
            PublishFailed(ex, dto.UserId);
        }
    }

    private static SanctionDto ToDto(Sanction s, string userName, string? roomSlug, DateTimeOffset now) => new(
        s.Id,
        s.UserId,
        userName,
        KindName(s.Kind),
        roomSlug,
        s.Reason,
        s.CreatedAt,
        s.ExpiresAt,
        Active: s.RevokedAt is null && (s.ExpiresAt is null || s.ExpiresAt > now),
        LiftedAt: s.RevokedAt);

    private static string Describe(SanctionKind kind, string? roomSlug, DateTimeOffset? expiresAt) =>
        KindName(kind) + (roomSlug is null ? "" : " #" + roomSlug) + " until "
        + (expiresAt?.ToString("u", CultureInfo.InvariantCulture) ?? "lifted");

    private static void CheckDuration(TimeSpan? duration)
    {
        if (duration is { } d && (d < MinTimeout || d > TimeSpan.FromDays(3650)))
        {
            throw CommunityException.Invalid("A ban lasts at least 1 minute, or until lifted.");
        }
    }

    private static string Reason(string? reason)
    {
        // Normalised like a message (bidi controls, NUL, zero-width and combining-mark floods go), on one line.
        return MessageText.NormalizeOptional(reason, MaxReasonLength, $"A reason is at most {MaxReasonLength} characters.")
            ?? throw CommunityException.Invalid("Give a reason.");
    }

    internal static string CheckReason(string? reason) => Reason(reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Publishing a sanction change for {UserId} failed; it applies within seconds anyway")]
    private partial void PublishFailed(Exception exception, string userId);
}
