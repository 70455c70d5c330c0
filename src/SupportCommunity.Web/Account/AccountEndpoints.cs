using Microsoft.AspNetCore.Antiforgery;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Identity;
using SupportCommunity.Identity;

namespace SupportCommunity.Web.Account;

public static class AccountEndpoints
{
    /// <summary>Bearer-token Identity endpoints under /api/auth, and the browser's sign-out.</summary>
    public static WebApplication MapAccount(this WebApplication app)
    {
        app.MapGroup("/api/auth").WithTags("Auth").MapIdentityApi<CommunityUser>();

        app.MapPost("/account/signout", SignOutAsync);

        return app;
    }

    /// <summary>
    /// Only with the antiforgery token of the sign-out form. The endpoint binds no form, so the antiforgery
    /// middleware would not refuse it on its own, and a page on another site could sign the visitor out.
    /// </summary>
    private static async Task<Results<RedirectHttpResult, ProblemHttpResult>> SignOutAsync(
        HttpContext context, IAntiforgery antiforgery, SignInManager<CommunityUser> signIn)
    {
        if (!await antiforgery.IsRequestValidAsync(context))
        {
            return TypedResults.Problem(
                statusCode: StatusCodes.Status400BadRequest,
                detail: "The sign-out form has expired or did not come from this site. Reload the page and sign out again.");
        }

        await signIn.SignOutAsync();
        return TypedResults.LocalRedirect("~/signin");
    }
}
