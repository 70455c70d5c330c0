using SupportCommunity.Identity;

namespace SupportCommunity.Moderation;

/// <summary>
/// Who may moderate where, and whom (design.md §2, ADR-0008): community managers and admins everywhere; volunteer
/// moderators only in the rooms they moderate, and never against staff or other moderators. Every moderation path
/// (messages, sanctions, the audit view) asks here.
/// </summary>
public sealed class ModerationScope(ActorDirectory actors)
{
    /// <summary>True when <paramref name="actor"/> may moderate the room: a manager, or a volunteer moderator of it.</summary>
    public async ValueTask<bool> ModeratesAsync(Actor actor, int roomId, CancellationToken cancellationToken = default)
    {
        if (actor.ManagesCommunity)
        {
            return true;
        }

        if (!actor.IsVolunteerModerator)
        {
            return false;
        }

        var rooms = actor.ModeratedRoomIds ?? (await actors.GetAsync(actor.UserId, actor.DisplayName, cancellationToken)).ModeratedRoomIds;
        return rooms?.Contains(roomId) == true;
    }

    /// <summary>The rooms a volunteer moderator moderates (empty for anyone else).</summary>
    public async ValueTask<IReadOnlySet<int>> ModeratedRoomsAsync(Actor actor, CancellationToken cancellationToken = default) =>
        !actor.IsVolunteerModerator
            ? new HashSet<int>()
            : actor.ModeratedRoomIds ?? (await actors.GetAsync(actor.UserId, actor.DisplayName, cancellationToken)).ModeratedRoomIds ?? new HashSet<int>();

    /// <summary>
    /// Refuses an action against <paramref name="targetUserId"/> that the actor's role does not reach: a volunteer
    /// moderator against staff or another moderator; anyone against themselves when <paramref name="allowSelf"/> is false.
    /// </summary>
    public async ValueTask EnsureMayActOnAsync(
        Actor actor, string targetUserId, string? targetRoleAtTheTime = null, bool allowSelf = false, CancellationToken cancellationToken = default)
    {
        if (!allowSelf && actor.UserId == targetUserId)
        {
            throw CommunityException.Invalid("You can't do this to yourself.");
        }

        if (actor.ManagesCommunity)
        {
            return;
        }

        var roles = await actors.GetRolesAsync(targetUserId, cancellationToken);
        var protectedRole = roles.Any(CommunityRoles.IsStaff) || roles.Contains(CommunityRoles.VolunteerModerator)
            || (targetRoleAtTheTime is not null && (CommunityRoles.IsStaff(targetRoleAtTheTime) || targetRoleAtTheTime == CommunityRoles.VolunteerModerator));
        if (protectedRole)
        {
            throw CommunityException.Forbidden("Volunteer moderators can't act on staff or other moderators.");
        }
    }
}
