using Microsoft.AspNetCore.Identity;
using SupportCommunity.Identity;

namespace SupportCommunity.Web.Account;

public static class AccountEndpoints
{
    /// <summary>Bearer-token Identity endpoints under /api/auth, and the browser's sign-out.</summary>
    public static WebApplication MapAccount(this WebApplication app)
    {
        app.MapGroup("/api/auth").WithTags("Auth").MapIdentityApi<CommunityUser>();

        app.MapPost("/account/signout", async (SignInManager<CommunityUser> signIn) =>
        {
            await signIn.SignOutAsync();
            return TypedResults.LocalRedirect("~/signin");
        });

        return app;
    }
}
