using Microsoft.AspNetCore.Identity;

namespace SupportCommunity.Identity;

public static class RoleSeeder
{
    /// <summary>Creates any of the six roles that is missing. Runs at every start; cheap when all exist.</summary>
    public static async Task EnsureRolesAsync(RoleManager<IdentityRole> roles)
    {
        foreach (var role in CommunityRoles.All)
        {
            if (!await roles.RoleExistsAsync(role))
            {
                var result = await roles.CreateAsync(new IdentityRole(role));
                if (!result.Succeeded)
                {
                    throw new InvalidOperationException($"Could not create role {role}: {string.Join("; ", result.Errors.Select(e => e.Description))}");
                }
            }
        }
    }
}
