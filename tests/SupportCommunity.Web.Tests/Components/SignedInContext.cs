using System.Security.Claims;
using Bunit;
using Bunit.TestDoubles;
using SupportCommunity.Identity;

namespace SupportCommunity.Web.Tests.Components;

/// <summary>Signing a bUnit context in as a member: their id and name in the claims (roles are read from the database).</summary>
public static class SignedInContext
{
    /// <summary>Call <see cref="BunitContext.AddAuthorization"/> before anything renders; sign in before the component does.</summary>
    public static void SignIn(this BunitAuthorizationContext auth, Actor actor)
    {
        auth.SetAuthorized(actor.DisplayName);
        auth.SetClaims([
            new Claim(ClaimTypes.NameIdentifier, actor.UserId),
            new Claim(Actor.DisplayNameClaim, actor.DisplayName),
            .. actor.Roles.Select(role => new Claim(ClaimTypes.Role, role)),
        ]);
    }

    /// <summary>Answers the reason dialog open in <paramref name="dialogs"/> and confirms it.</summary>
    public static async Task ConfirmReasonAsync(this IRenderedComponent<MudBlazor.MudDialogProvider> dialogs, string reason)
    {
        var wait = TimeSpan.FromSeconds(10);
        var input = await dialogs.WaitForElementAsync("[data-testid=reason-dialog] input, [data-testid=reason-dialog] textarea", wait);
        input.Input(reason);
        dialogs.Find("[data-testid=reason-confirm]").Click();
        await dialogs.WaitForAssertionAsync(() => Assert.Empty(dialogs.FindAll("[data-testid=reason-dialog]")), wait);
    }
}
