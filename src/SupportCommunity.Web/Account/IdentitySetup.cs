using System.Security.Claims;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.BearerToken;
using Microsoft.AspNetCore.Http.Features;
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
    /// The claims a hub connection reads after the handshake (see <see cref="ForgetHubCredentials"/>): the user id
    /// (SignalR's user identifier, <see cref="Actor.From"/>) and the display name (<see cref="ActorDirectory"/>).
    /// Roles are re-read for every call (ADR-0008), so the token's are not kept.
    /// </summary>
    private static readonly string[] HubClaimTypes = [ClaimTypes.NameIdentifier, Actor.DisplayNameClaim];

    /// <summary>Strings every token carries, kept once rather than once per connection.</summary>
    private static readonly string[] SharedStrings =
    [
        .. HubClaimTypes, ClaimsIdentity.DefaultNameClaimType, ClaimsIdentity.DefaultRoleClaimType, ClaimsIdentity.DefaultIssuer,
        ClaimValueTypes.String, IdentityConstants.BearerScheme, IdentityConstants.ApplicationScheme,
    ];

    /// <summary>
    /// A hub connection keeps its request for as long as it lives (idle memory per connection, docs/performance.md).
    /// Once the caller is authenticated and authorized, the request lets go of what only that took (the middleware
    /// that did it hold nothing for the connection's life: <see cref="Api.LongLivedRequests"/>):
    /// <list type="bullet">
    /// <item>the bearer token (header, query and raw target), so it is neither held per connection (a kilobyte or two
    /// each) nor seen by anything that runs later;</item>
    /// <item>the authentication ticket: the caller becomes a principal of the same identity and authentication type
    /// with only the claims the hub reads (<see cref="HubPrincipal"/>). SignalR then reads no expiry for the
    /// connection, which matters only with <c>CloseOnAuthenticationExpiration</c>, not set here
    /// (<see cref="Security.SlowClientLimits"/>).</item>
    /// </list>
    /// </summary>
    public static Task ForgetHubCredentials(HttpContext context, RequestDelegate next)
    {
        var request = context.Request;
        if (!request.Path.StartsWithSegments(CommunityHub.Path) || context.User.Identity?.IsAuthenticated != true)
        {
            return next(context);
        }

        request.Headers.Authorization = default;
        if (request.Query.ContainsKey(AccessTokenParameter))
        {
            request.QueryString = QueryString.Create(request.Query.Where(p => p.Key != AccessTokenParameter));
            // The server's copy of the request line, token included, would otherwise stay with the connection.
            if (context.Features.Get<IHttpRequestFeature>() is { } line)
            {
                line.RawTarget = request.PathBase.Add(request.Path).ToUriComponent() + request.QueryString.ToUriComponent();
            }
        }

        // Setting the user also drops the authentication result the request kept (IAuthenticateResultFeature).
        context.User = HubPrincipal(context.User);
        return next(context);
    }

    /// <summary>
    /// The caller as a hub connection needs them: the same user id and display name, under the same authentication
    /// type and claim types, so authenticated exactly as before; nothing else from the token (e-mail, security stamp,
    /// roles, authentication method).
    /// </summary>
    public static ClaimsPrincipal HubPrincipal(ClaimsPrincipal user)
    {
        var identity = user.Identity as ClaimsIdentity;
        var nameType = Shared(identity?.NameClaimType ?? ClaimsIdentity.DefaultNameClaimType);
        var roleType = Shared(identity?.RoleClaimType ?? ClaimsIdentity.DefaultRoleClaimType);
        var claims = new List<Claim>();
        foreach (var claim in user.Claims)
        {
            var type = Shared(claim.Type);
            if (Array.IndexOf(HubClaimTypes, type) >= 0)
            {
                claims.Add(new Claim(type, claim.Value, Shared(claim.ValueType), Shared(claim.Issuer), Shared(claim.OriginalIssuer)));
            }
        }

        return new ClaimsPrincipal(new ClaimsIdentity(claims, Shared(user.Identity?.AuthenticationType), nameType, roleType));
    }

    /// <summary>The shared instance of a string every token carries, rather than the copy read from this one.</summary>
    [return: System.Diagnostics.CodeAnalysis.NotNullIfNotNull(nameof(value))]
    private static string? Shared(string? value) =>
        value is null ? null : Array.Find(SharedStrings, s => string.Equals(s, value, StringComparison.Ordinal)) ?? value;

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
