using Microsoft.AspNetCore.Identity;

namespace SupportCommunity.Identity;

public sealed class CommunityUser : IdentityUser
{
    public string DisplayName { get; set; } = "";

    public DateTimeOffset CreatedAt { get; set; }
}
