using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Logging;
using SupportCommunity.Data;
using SupportCommunity.Events;
using SupportCommunity.Identity;
using SupportCommunity.Rooms;

namespace SupportCommunity.Moderation;

/// <summary>A member's roles and the rooms they moderate, after a grant or revoke.</summary>
public sealed record MemberRightsDto(string UserId, string DisplayName, IReadOnlyList<string> Roles, IReadOnlyList<string> ModeratedRooms);

/// <summary>
/// Grants and revokes roles (design.md §2): community managers and admins grant Trusted member and Volunteer moderator
/// (with the rooms moderated); admins grant Community manager and Support agent. Roles are written to Identity's
/// tables directly, in one transaction with the audit entry; <see cref="RightsChanged"/> then drops every node's cached
/// rights, so live sessions lose or gain them within seconds (ADR-0008).
/// </summary>
public sealed partial class GrantService(
    IDbContextFactory<CommunityDbContext> dbFactory,
    RoomDirectory directory,
    ActorDirectory actors,
    RefusalAudit refusals,
    IRoomEventBus bus,
    TimeProvider clock,
    ILogger<GrantService> logger)
{
    /// <summary>
    /// Grants <paramref name="role"/>. For <see cref="CommunityRoles.VolunteerModerator"/>, <paramref name="roomSlugs"/>
    /// names the rooms moderated (added to any held already; at least one for a new moderator).
    /// </summary>
    public Task<MemberRightsDto> GrantAsync(
        Actor actor, string userId, string role, IReadOnlyList<string>? roomSlugs, string? reason, CancellationToken cancellationToken = default) =>
        ChangeAsync(actor, userId, role, roomSlugs, reason, grant: true, cancellationToken);

    /// <summary>
    /// Revokes <paramref name="role"/>. For <see cref="CommunityRoles.VolunteerModerator"/> with
    /// <paramref name="roomSlugs"/>: only those rooms; the role goes with the last room.
    /// </summary>
    public Task<MemberRightsDto> RevokeAsync(
        Actor actor, string userId, string role, IReadOnlyList<string>? roomSlugs, string? reason, CancellationToken cancellationToken = default) =>
        ChangeAsync(actor, userId, role, roomSlugs, reason, grant: false, cancellationToken);

    /// <summary>A member's roles and moderated rooms, for managers and admins.</summary>
    public async Task<MemberRightsDto> GetAsync(Actor actor, string userId, CancellationToken cancellationToken = default)
    {
        if (!actor.ManagesCommunity)
        {
            throw CommunityException.Forbidden("Only community managers and admins can see members' roles.");
        }

        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        var name = await db.Users.Where(u => u.Id == userId).Select(u => u.DisplayName).SingleOrDefaultAsync(cancellationToken)
            ?? throw CommunityException.NotFound("There is no such member.");
        return await ReadAsync(db, userId, name, cancellationToken);
    }

    /// <summary>The caller's own roles and moderated rooms, as stored now.</summary>
    public async Task<MemberRightsDto> GetMineAsync(Actor actor, CancellationToken cancellationToken = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        return await ReadAsync(db, actor.UserId, actor.DisplayName, cancellationToken);
    }

    /// <summary>Members whose name or e-mail starts with <paramref name="query"/> (at most 20), for the grant dialog.</summary>
    public async Task<IReadOnlyList<MemberRightsDto>> FindAsync(Actor actor, string? query, CancellationToken cancellationToken = default)
    {
        if (!actor.ManagesCommunity)
        {
            throw CommunityException.Forbidden("Only community managers and admins can look members up.");
        }

        var text = (query ?? "").Trim();
        if (text.Length is < 1 or > 100)
        {
            throw CommunityException.Invalid("Search for 1 to 100 characters.");
        }

        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        var upper = text.ToUpperInvariant();
        var users = await db.Users.AsNoTracking()
            .Where(u => u.DisplayName.StartsWith(text) || u.NormalizedEmail!.StartsWith(upper))
            .OrderBy(u => u.DisplayName)
            .Select(u => new { u.Id, u.DisplayName })
            .Take(20)
            .ToListAsync(cancellationToken);
        var result = new List<MemberRightsDto>(users.Count);
        foreach (var user in users)
        {
            result.Add(await ReadAsync(db, user.Id, user.DisplayName, cancellationToken));
        }

        return result;
    }

    private Task<MemberRightsDto> ChangeAsync(
        Actor actor, string userId, string role, IReadOnlyList<string>? roomSlugs, string? reason, bool grant, CancellationToken cancellationToken) =>
        refusals.GuardAsync(actor, new AttemptedAction(grant ? AuditActions.RoleGrant : AuditActions.RoleRevoke, userId, roomSlugs is [var only] ? only : null),
            () => ChangeCheckedAsync(actor, userId, role, roomSlugs, reason, grant, cancellationToken));

    private async Task<MemberRightsDto> ChangeCheckedAsync(
        Actor actor, string userId, string role, IReadOnlyList<string>? roomSlugs, string? reason, bool grant, CancellationToken cancellationToken)
    {
        var needsAdmin = role is CommunityRoles.CommunityManager or CommunityRoles.SupportAgent;
        var managerGrants = role is CommunityRoles.TrustedMember or CommunityRoles.VolunteerModerator;
        if (!needsAdmin && !managerGrants)
        {
            throw CommunityException.Invalid(
                $"Roles that can be granted: {CommunityRoles.TrustedMember}, {CommunityRoles.VolunteerModerator}, {CommunityRoles.CommunityManager}, {CommunityRoles.SupportAgent}.");
        }

        var isAdmin = actor.Roles.Contains(CommunityRoles.Admin);
        if (needsAdmin ? !isAdmin : !actor.ManagesCommunity)
        {
            throw CommunityException.Forbidden(needsAdmin
                ? "Only admins can grant or revoke staff roles."
                : "Only community managers and admins can grant or revoke this role.");
        }

        var text = SanctionService.CheckReason(reason);
        if (actor.UserId == userId)
        {
            throw CommunityException.Invalid("You can't change your own roles.");
        }

        var rooms = new List<RoomKey>();
        foreach (var slug in roomSlugs ?? [])
        {
            var room = await directory.GetAsync(slug, cancellationToken);
            if (!room.IsPublic)
            {
                throw CommunityException.Invalid("Volunteer moderators moderate public rooms only.");
            }

            rooms.Add(room);
        }

        if (rooms.Count > 0 && role != CommunityRoles.VolunteerModerator)
        {
            throw CommunityException.Invalid("Only the volunteer moderator role takes rooms.");
        }

        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        var name = await db.Users.Where(u => u.Id == userId).Select(u => u.DisplayName).SingleOrDefaultAsync(cancellationToken)
            ?? throw CommunityException.NotFound("There is no such member.");
        var current = await actors.GetRolesAsync(userId, cancellationToken);
        if (!isAdmin && current.Any(r => r is CommunityRoles.Admin or CommunityRoles.CommunityManager))
        {
            throw CommunityException.Forbidden("Only admins can change the roles of managers and admins.");
        }

        var roleId = await db.Roles.Where(r => r.Name == role).Select(r => r.Id).SingleOrDefaultAsync(cancellationToken)
            ?? throw new InvalidOperationException($"The role {role} is not seeded.");

        var before = await ReadAsync(db, userId, name, cancellationToken);
        await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
        var holds = await db.UserRoles.AnyAsync(ur => ur.UserId == userId && ur.RoleId == roleId, cancellationToken);
        var heldRooms = await db.RoomModerators.Where(m => m.UserId == userId).ToListAsync(cancellationToken);
        if (grant)
        {
            if (role == CommunityRoles.VolunteerModerator && rooms.Count == 0 && heldRooms.Count == 0)
            {
                throw CommunityException.Invalid("Name at least one room for a volunteer moderator.");
            }

            if (!holds)
            {
                db.UserRoles.Add(new IdentityUserRole<string> { UserId = userId, RoleId = roleId });
            }

            foreach (var room in rooms.Where(r => heldRooms.All(h => h.RoomId != r.Id)).DistinctBy(r => r.Id))
            {
                db.RoomModerators.Add(new RoomModerator { RoomId = room.Id, UserId = userId });
            }
        }
        else
        {
            if (!holds && !(role == CommunityRoles.VolunteerModerator && heldRooms.Count > 0))
            {
                throw new CommunityException(CommunityError.Conflict, $"{name} doesn't hold this role.");
            }

            var dropRooms = role != CommunityRoles.VolunteerModerator ? []
                : rooms.Count == 0 ? heldRooms
                : heldRooms.Where(h => rooms.Any(r => r.Id == h.RoomId)).ToList();
            db.RoomModerators.RemoveRange(dropRooms);
            if (role != CommunityRoles.VolunteerModerator || dropRooms.Count == heldRooms.Count)
            {
                await db.UserRoles.Where(ur => ur.UserId == userId && ur.RoleId == roleId).ExecuteDeleteAsync(cancellationToken);
            }
        }

        await db.SaveChangesAsync(cancellationToken);
        var after = await ReadAsync(db, userId, name, cancellationToken);
        AuditLog.Add(db, actor, grant ? AuditActions.RoleGrant : AuditActions.RoleRevoke, text, clock.GetUtcNow(), userId, name,
            roomId: rooms.Count == 1 ? rooms[0].Id : null, before: Describe(before), after: Describe(after));
        await db.SaveChangesAsync(cancellationToken);
        await transaction.CommitAsync(cancellationToken);

        actors.Forget(userId);
        try
        {
            await bus.PublishAsync(new RightsChanged(userId), CancellationToken.None);
        }
        catch (Exception ex)
        {
            PublishFailed(ex, userId);
        }

        return after;
    }

    private static async Task<MemberRightsDto> ReadAsync(CommunityDbContext db, string userId, string name, CancellationToken cancellationToken)
    {
        var roles = await (
                from ur in db.UserRoles
                join r in db.Roles on ur.RoleId equals r.Id
                where ur.UserId == userId
                select r.Name)
            .ToListAsync(cancellationToken);
        var rooms = await (
                from m in db.RoomModerators
                join r in db.Rooms on m.RoomId equals r.Id
                where m.UserId == userId
                orderby r.Slug
                select r.Slug)
            .ToListAsync(cancellationToken);
        return new MemberRightsDto(userId, name, [.. roles.OfType<string>().OrderBy(CommunityRoles.Rank)], rooms);
    }

    private static string Describe(MemberRightsDto rights) =>
        string.Join(", ", rights.Roles) + (rights.ModeratedRooms.Count == 0 ? "" : " (moderates " + string.Join(", ", rights.ModeratedRooms.Select(r => "#" + r)) + ")");

    [LoggerMessage(Level = LogLevel.Warning, Message = "Publishing a rights change for {UserId} failed; it applies within seconds anyway")]
    private partial void PublishFailed(Exception exception, string userId);
}
