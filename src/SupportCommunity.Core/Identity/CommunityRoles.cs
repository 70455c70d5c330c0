namespace SupportCommunity.Identity;

/// <summary>The six roles of the community (design.md §2), highest first.</summary>
public static class CommunityRoles
{
    public const string Admin = "Admin";
    public const string CommunityManager = "CommunityManager";
    public const string SupportAgent = "SupportAgent";
    public const string VolunteerModerator = "VolunteerModerator";
    public const string TrustedMember = "TrustedMember";
    public const string Customer = "Customer";

    /// <summary>Every role, by precedence: the first one a user holds is the badge shown next to their name.</summary>
    public static readonly IReadOnlyList<string> All =
        [Admin, CommunityManager, SupportAgent, VolunteerModerator, TrustedMember, Customer];

    /// <summary>0 for the highest role; unknown roles sort last.</summary>
    public static int Rank(string role)
    {
        for (var i = 0; i < All.Count; i++)
        {
            if (All[i] == role)
            {
                return i;
            }
        }

        return All.Count;
    }

    /// <summary>Roles that act for the company everywhere; volunteer moderators are scoped to their rooms.</summary>
    public static bool IsStaff(string role) => role is Admin or CommunityManager or SupportAgent;
}
