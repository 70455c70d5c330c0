using System.Security.Claims;
using Microsoft.AspNetCore.Identity;
using Microsoft.Extensions.Options;

namespace SupportCommunity.Identity;

/// <summary>Adds the display name to the cookie and bearer token, so a send needs no user lookup.</summary>
public sealed class CommunityClaimsFactory(
    UserManager<CommunityUser> users,
    RoleManager<IdentityRole> roles,
    IOptions<IdentityOptions> options)
    : UserClaimsPrincipalFactory<CommunityUser, IdentityRole>(users, roles, options)
{
    protected override async Task<ClaimsIdentity> GenerateClaimsAsync(CommunityUser user)
    {
        var identity = await base.GenerateClaimsAsync(user);
        // Accounts made through the bare Identity API have no display name yet; never fall back to the e-mail address.
        identity.AddClaim(new Claim(Actor.DisplayNameClaim, string.IsNullOrWhiteSpace(user.DisplayName) ? "Member" : user.DisplayName));
        return identity;
    }
}
