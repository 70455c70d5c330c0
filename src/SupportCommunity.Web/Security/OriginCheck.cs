using Microsoft.AspNetCore.Mvc;
using Microsoft.Extensions.Options;
using SupportCommunity.Web.Realtime;

namespace SupportCommunity.Web.Security;

/// <summary>The <c>Security</c> configuration section.</summary>
public sealed class SecurityOptions
{
    public const string Section = "Security";

    /// <summary>
    /// Origins besides the app's own whose pages may connect to the hubs, such as the site that embeds the customer
    /// widget: <c>https://www.example.com</c> (scheme, host and port only).
    /// </summary>
    public IList<string> AllowedOrigins { get; } = [];
}

/// <summary>
/// Refuses, with 403, a request to the community hub or to Blazor's circuit hub whose <c>Origin</c> is neither the
/// app's own nor allowed by <c>Security:AllowedOrigins</c>. Browsers send Origin on every WebSocket upgrade and on
/// cross-origin requests, and a page cannot forge it: this stops another site from opening a hub connection with
/// the visitor's cookie (cross-site WebSocket hijacking). Clients that send no Origin (the SignalR .NET client,
/// bots) are not browsers acting for someone else, and pass.
/// </summary>
public sealed class OriginCheck(RequestDelegate next, IOptions<SecurityOptions> options, IProblemDetailsService problems)
{
    private static readonly PathString BlazorHub = "/_blazor";

    private readonly HashSet<string> _allowed = options.Value.AllowedOrigins
        .Select(Normalize).OfType<string>().ToHashSet(StringComparer.OrdinalIgnoreCase);

    /// <remarks>
    /// Not async on the way through: a hub connection's request stays in the pipeline for the connection's whole
    /// life, and an awaiting middleware would keep its state machine per connection.
    /// </remarks>
    public Task InvokeAsync(HttpContext context)
    {
        var request = context.Request;
        return !(request.Path.StartsWithSegments(CommunityHub.Path) || request.Path.StartsWithSegments(BlazorHub))
            || request.Headers.Origin.Count == 0
            || Allowed(request)
                ? next(context)
                : RefuseAsync(context);
    }

    private async Task RefuseAsync(HttpContext context)
    {
        context.Response.StatusCode = StatusCodes.Status403Forbidden;
        await problems.WriteAsync(new ProblemDetailsContext
        {
            HttpContext = context,
            ProblemDetails = new ProblemDetails
            {
                Status = StatusCodes.Status403Forbidden,
                Detail = "Pages from this origin may not connect. Connect from the community's own site, or ask its operator to add your origin to Security:AllowedOrigins.",
            },
        });
    }

    /// <summary><c>scheme://host[:port]</c> in lower case, the default port left out; null when it is not an http(s) origin.</summary>
    public static string? Normalize(string? origin) =>
        Uri.TryCreate(origin, UriKind.Absolute, out var uri)
        && (uri.Scheme == Uri.UriSchemeHttp || uri.Scheme == Uri.UriSchemeHttps)
        && uri.AbsolutePath == "/" && uri.Query.Length == 0 && uri.Fragment.Length == 0 && uri.UserInfo.Length == 0
            ? uri.GetLeftPart(UriPartial.Authority).ToLowerInvariant()
            : null;

    private bool Allowed(HttpRequest request)
    {
        // One Origin header, as browsers send it; "null" (sandboxed frames, file: pages) is nobody's origin.
        if (request.Headers.Origin.Count != 1 || Normalize(request.Headers.Origin.ToString()) is not { } origin)
        {
            return false;
        }

        if (_allowed.Contains(origin))
        {
            return true;
        }

        // The app's own origin is the host the browser asked for. The scheme is not compared: behind a proxy that
        // ends TLS the app sees http. When the Host header has no port (nginx's $host drops it), the host decides.
        var uri = new Uri(origin);
        var host = request.Host;
        return host.HasValue
            && string.Equals(uri.IdnHost.Trim('[', ']'), host.Host.Trim('[', ']'), StringComparison.OrdinalIgnoreCase)
            && (host.Port is not { } port || port == uri.Port);
    }
}
