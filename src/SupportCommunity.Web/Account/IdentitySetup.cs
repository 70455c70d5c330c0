using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.BearerToken;
using Microsoft.AspNetCore.Identity;
using SupportCommunity.Data;
using SupportCommunity.Identity;
using SupportCommunity.Web.Realtime;

namespace SupportCommunity.Web.Account;

public static class IdentitySetup
{
    /// <summary>Where browser hub clients put their bearer token (WebSockets cannot send headers).</summary>
    private const string AccessTokenParameter = "access_token";

    /// <summary>Picks the bearer scheme for API and hub clients that send a token, and the cookie for browsers.</summary>
    public const string CookieOrBearerScheme = "CookieOrBearer";

    public static WebApplicationBuilder AddCommunityIdentity(this WebApplicationBuilder builder)
    {
        builder.Services
            .AddAuthentication(CookieOrBearerScheme)
            .AddPolicyScheme(CookieOrBearerScheme, "Cookie or bearer token", options =>
                options.ForwardDefaultSelector = context => SendsToken(context.Request)
                    ? IdentityConstants.BearerScheme
                    : IdentityConstants.ApplicationScheme)
            .AddBearerToken(IdentityConstants.BearerScheme, options =>
                options.Events = new BearerTokenEvents
                {
                    // WebSockets and server-sent events cannot carry headers, so hub clients put the token on the query.
                    OnMessageReceived = context =>
                    {
                        if (HubAccessToken(context.Request) is { Length: > 0 } token)
                        {
                            context.Token = token;
                        }

                        return Task.CompletedTask;
                    },
                })
            .AddIdentityCookies();

        builder.Services.ConfigureApplicationCookie(options =>
        {
            options.LoginPath = "/signin";
            options.AccessDeniedPath = "/signin";
            options.Cookie.Name = "SupportCommunity.Auth";
            // API and hub callers get status codes, not a redirect to the sign-in page.
            options.Events.OnRedirectToLogin = context => RedirectOrStatus(context, StatusCodes.Status401Unauthorized);
            options.Events.OnRedirectToAccessDenied = context => RedirectOrStatus(context, StatusCodes.Status403Forbidden);
        });

        builder.Services.AddAuthorization();
        builder.Services
            .AddIdentityCore<CommunityUser>(options =>
            {
                options.User.RequireUniqueEmail = true;
                options.Password.RequiredLength = 8;
                options.Lockout.MaxFailedAccessAttempts = 10;
            })
            .AddRoles<IdentityRole>()
            .AddEntityFrameworkStores<CommunityDbContext>()
            .AddSignInManager()
            .AddClaimsPrincipalFactory<CommunityClaimsFactory>()
            .AddApiEndpoints();

        builder.Services.AddCascadingAuthenticationState();
        return builder;
    }

    private static bool SendsToken(HttpRequest request) =>
        request.Headers.Authorization.ToString().StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase)
        || HubAccessToken(request) is { Length: > 0 };

    private static string? HubAccessToken(HttpRequest request) =>
        request.Path.StartsWithSegments(CommunityHub.Path) ? request.Query[AccessTokenParameter].ToString() : null;

    /// <summary>
    /// A hub connection keeps its request for as long as it lives. Once the caller is authenticated and authorized,
    /// the request forgets the bearer token (header and query), so it is neither held per connection (a kilobyte or
    /// two each) nor seen by anything that runs later.
    /// </summary>
    public static Task ForgetHubCredentials(HttpContext context, RequestDelegate next)
    {
        var request = context.Request;
        if (request.Path.StartsWithSegments(CommunityHub.Path) && context.User.Identity?.IsAuthenticated == true)
        {
            request.Headers.Authorization = default;
            if (request.Query.ContainsKey(AccessTokenParameter))
            {
                request.QueryString = QueryString.Create(request.Query.Where(p => p.Key != AccessTokenParameter));
            }
        }

        return next(context);
    }

    private static Task RedirectOrStatus(RedirectContext<Microsoft.AspNetCore.Authentication.Cookies.CookieAuthenticationOptions> context, int status)
    {
        if (IsApiOrHub(context.Request))
        {
            context.Response.StatusCode = status;
        }
        else
        {
            context.Response.Redirect(context.RedirectUri);
        }

        return Task.CompletedTask;
    }

    public static bool IsApiOrHub(HttpRequest request) =>
        request.Path.StartsWithSegments("/api") || request.Path.StartsWithSegments("/hubs");
}
