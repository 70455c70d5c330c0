using System.Security.Claims;

namespace SupportCommunity.Identity;

/// <summary>Who is acting: the signed-in user as the feature services see them, whatever the entry point.</summary>
/// <remarks>
/// <see cref="ModeratedRoomIds"/>: the rooms a volunteer moderator moderates, when known (actors from
/// <c>ActorDirectory</c> always know them; actors built from claims alone do not, and services then ask the database).
/// </remarks>
public sealed record Actor(string UserId, string DisplayName, IReadOnlySet<string> Roles, IReadOnlySet<int>? ModeratedRoomIds = null)
{
    public const string DisplayNameClaim = "display_name";

    /// <summary>The badge shown with the user's messages: their highest role. A user with no role is a customer.</summary>
    public string PrimaryRole { get; } = CommunityRoles.All.FirstOrDefault(Roles.Contains) ?? CommunityRoles.Customer;

    public bool IsStaff => Roles.Any(CommunityRoles.IsStaff);

    /// <summary>Managers and admins may act on any message in any room.</summary>
    public bool ManagesCommunity => Roles.Contains(CommunityRoles.CommunityManager) || Roles.Contains(CommunityRoles.Admin);

    public bool IsVolunteerModerator => Roles.Contains(CommunityRoles.VolunteerModerator);

    public bool IsTrusted => IsStaff || Roles.Contains(CommunityRoles.TrustedMember) || Roles.Contains(CommunityRoles.VolunteerModerator);

    /// <summary>The actor of an authenticated principal, or null when it is anonymous or lacks a user id.</summary>
    public static Actor? From(ClaimsPrincipal principal)
    {
        if (principal.Identity?.IsAuthenticated != true)
        {
            return null;
        }

        var id = principal.FindFirstValue(ClaimTypes.NameIdentifier);
        if (string.IsNullOrEmpty(id))
        {
            return null;
        }

        var name = principal.FindFirstValue(DisplayNameClaim) ?? "Member";
        var roles = principal.FindAll(ClaimTypes.Role).Select(c => c.Value).ToHashSet(StringComparer.Ordinal);
        return new Actor(id, name, roles);
    }
}
