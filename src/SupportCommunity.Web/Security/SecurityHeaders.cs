using System.Security.Cryptography;

namespace SupportCommunity.Web.Security;

/// <summary>
/// Security headers on every response, error pages included: a Content-Security-Policy that Blazor Server and
/// MudBlazor run under, no MIME sniffing, no framing, no referrer to other sites, no powerful browser features.
/// </summary>
public sealed class SecurityHeaders(RequestDelegate next)
{
    private const string NonceKey = "SupportCommunity.ScriptNonce";

    /// <summary>
    /// The policy of a 101 response (a WebSocket upgrade: the hubs, Blazor's circuit). It starts no document, so it
    /// needs no script nonce; one shared string, where a nonce would be two strings kept for the connection's life.
    /// </summary>
    private static readonly string UpgradePolicy = ContentSecurityPolicy(nonce: null);

    public Task InvokeAsync(HttpContext context)
    {
        // Set when the response starts, so that responses written further in (status code pages, the exception
        // handler, which clears headers) carry them too. The nonce is the one the page rendered, if it asked first.
        context.Response.OnStarting(() =>
        {
            var headers = context.Response.Headers;
            headers.ContentSecurityPolicy = context.Response.StatusCode == StatusCodes.Status101SwitchingProtocols
                ? UpgradePolicy
                : ContentSecurityPolicy(ScriptNonce(context));
            headers.XContentTypeOptions = "nosniff";
            headers.XFrameOptions = "DENY";
            headers["Referrer-Policy"] = "same-origin";
            headers["Permissions-Policy"] = "accelerometer=(), camera=(), geolocation=(), gyroscope=(), magnetometer=(), microphone=(), payment=(), usb=()";
            headers["Cross-Origin-Opener-Policy"] = "same-origin";
            return Task.CompletedTask;
        });
        return next(context);
    }

    /// <summary>
    /// The nonce of this response's inline scripts. Blazor renders the import map inline, and it is the only inline
    /// script: it carries this nonce (App.razor). One per request, also when the exception handler re-executes it,
    /// made when first asked for: by the page as it renders, or by the headers as the response starts.
    /// </summary>
    public static string ScriptNonce(HttpContext context)
    {
        if (context.Items.TryGetValue(NonceKey, out var value) && value is string existing)
        {
            return existing;
        }

        // 128 random bits in hex: nothing in it needs escaping in a header or an HTML attribute.
        var nonce = Convert.ToHexString(RandomNumberGenerator.GetBytes(16));
        context.Items[NonceKey] = nonce;
        return nonce;
    }

    /// <summary>
    /// Scripts only from this origin (Blazor, MudBlazor, app.js) or with the nonce (none for an upgrade); no eval. Styles also inline,
    /// because MudBlazor sets style attributes and writes its theme into a style element. connect-src 'self' covers
    /// the circuit's and the hub's WebSockets (ws: and wss: on this host, CSP level 3). Images from this origin and
    /// data: URLs; external images in messages are rendered as links (design.md §5).
    /// </summary>
    public static string ContentSecurityPolicy(string? nonce) =>
        "default-src 'self'; "
        + (nonce is null ? "script-src 'self'; " : $"script-src 'self' 'nonce-{nonce}'; ")
        + "style-src 'self' 'unsafe-inline'; "
        + "img-src 'self' data:; "
        + "font-src 'self' data:; "
        + "connect-src 'self'; "
        + "object-src 'none'; "
        + "base-uri 'self'; "
        + "form-action 'self'; "
        + "frame-ancestors 'none'";
}
