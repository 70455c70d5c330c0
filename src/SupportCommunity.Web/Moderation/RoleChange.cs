using SupportCommunity.Identity;
using SupportCommunity.Moderation;

namespace SupportCommunity.Web.Moderation;

/// <summary>
/// A grant or revoke as the members page asks GrantService for it, and what undoing it means: the opposite call for
/// exactly what changed (the rooms added or removed, or the role), read from the member's rights before and after.
/// </summary>
public sealed record RoleChange(string UserId, string Role, IReadOnlyList<string>? Rooms, bool Grant)
{
    /// <summary>The change that puts <paramref name="before"/> back, or null when the call changed nothing.</summary>
    public RoleChange? UndoFor(MemberRightsDto before, MemberRightsDto after)
    {
        if (Role == CommunityRoles.VolunteerModerator)
        {
            var rooms = Grant
                ? after.ModeratedRooms.Except(before.ModeratedRooms, StringComparer.Ordinal).ToList()
                : before.ModeratedRooms.Except(after.ModeratedRooms, StringComparer.Ordinal).ToList();
            return rooms.Count > 0 ? new RoleChange(UserId, Role, rooms, !Grant) : null;
        }

        var held = before.Roles.Contains(Role);
        return held != after.Roles.Contains(Role) ? new RoleChange(UserId, Role, Rooms: null, !Grant) : null;
    }

    /// <summary>Applies the change as <paramref name="actor"/>; GrantService authorizes and audits it.</summary>
    public Task<MemberRightsDto> ApplyAsync(GrantService grants, Actor actor, string reason, CancellationToken cancellationToken = default) =>
        Grant
            ? grants.GrantAsync(actor, UserId, Role, Rooms, reason, cancellationToken)
            : grants.RevokeAsync(actor, UserId, Role, Rooms, reason, cancellationToken);

    /// <summary>"Volunteer moderator", "Trusted member": a role as people say it.</summary>
    public static string Label(string role) => role switch
    {
        CommunityRoles.Admin => "Admin",
        CommunityRoles.CommunityManager => "Community manager",
        CommunityRoles.SupportAgent => "Support agent",
        CommunityRoles.VolunteerModerator => "Volunteer moderator",
        CommunityRoles.TrustedMember => "Trusted member",
        _ => "Customer",
    };
}
