using System.Net;
using System.Net.Http.Headers;
using System.Text.RegularExpressions;
using static SupportCommunity.Web.Tests.Integration.Accounts;

namespace SupportCommunity.Web.Tests.Integration.Security;

/// <summary>Every kind of response carries the security headers, over a real socket.</summary>
public sealed partial class SecurityHeadersTests(KestrelAppFactory app) : IClassFixture<KestrelAppFactory>
{
    public static TheoryData<string, bool, HttpStatusCode> Responses => new()
    {
        { "/signin", false, HttpStatusCode.OK },                 // a static server-rendered page
        { "/rooms/general", false, HttpStatusCode.OK },          // an interactive page (its circuit sends a signed-out visitor on)
        { "/no-such-page", false, HttpStatusCode.NotFound },     // the not-found page (re-executed)
        { "/favicon.svg", false, HttpStatusCode.OK },            // a static asset
        { "/health", false, HttpStatusCode.OK },
        { "/api/rooms", false, HttpStatusCode.Unauthorized },    // a problem details error
        { "/api/rooms", true, HttpStatusCode.OK },               // JSON
        { "/api/rooms/general/messages?limit=0", true, HttpStatusCode.BadRequest },
    };

    [Theory]
    [MemberData(nameof(Responses))]
    public async Task Response_AnyKind_CarriesTheSecurityHeaders(string path, bool signedIn, HttpStatusCode status)
    {
        using var client = signedIn
            ? await app.CreateApiClientAsync(Customer)
            : app.CreateClient(new() { AllowAutoRedirect = false, BaseAddress = app.BaseAddress });

        using var response = await client.GetAsync(new Uri(path, UriKind.Relative));

        Assert.Equal(status, response.StatusCode);
        var headers = response.Headers;
        Assert.Equal("nosniff", Single(headers, "X-Content-Type-Options"));
        Assert.Equal("DENY", Single(headers, "X-Frame-Options"));
        Assert.Equal("same-origin", Single(headers, "Referrer-Policy"));
        Assert.Equal("same-origin", Single(headers, "Cross-Origin-Opener-Policy"));
        Assert.Contains("camera=()", Single(headers, "Permissions-Policy"), StringComparison.Ordinal);
        Assert.Contains("microphone=()", Single(headers, "Permissions-Policy"), StringComparison.Ordinal);
        Assert.False(headers.Contains("Server"), "Kestrel names itself in a Server header");

        var policy = Directives(Single(headers, "Content-Security-Policy"));
        Assert.Equal("'self'", policy["default-src"]);
        Assert.Matches(ScriptSource(), policy["script-src"]);
        Assert.Equal("'self' 'unsafe-inline'", policy["style-src"]);
        Assert.Equal("'self' data:", policy["img-src"]);
        Assert.Equal("'self'", policy["connect-src"]);
        Assert.Equal("'none'", policy["object-src"]);
        Assert.Equal("'self'", policy["base-uri"]);
        Assert.Equal("'self'", policy["form-action"]);
        Assert.Equal("'none'", policy["frame-ancestors"]);
        Assert.DoesNotContain("unsafe-eval", headers.GetValues("Content-Security-Policy").Single(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Page_ImportMap_CarriesThisResponsesNonceAndNoOtherInlineScript()
    {
        using var client = app.CreateClient();

        using var first = await client.GetAsync(new Uri("/signin", UriKind.Relative));
        using var second = await client.GetAsync(new Uri("/signin", UriKind.Relative));

        var nonce = Nonce(first);
        Assert.NotEqual(nonce, Nonce(second));
        var html = await first.Content.ReadAsStringAsync();
        var inlineScripts = InlineScript().Matches(html).Select(m => m.Value).ToList();
        var importMap = Assert.Single(inlineScripts);
        Assert.Contains("type=\"importmap\"", importMap, StringComparison.Ordinal);
        Assert.Contains($"nonce=\"{nonce}\"", importMap, StringComparison.Ordinal);
        Assert.DoesNotContain(" onclick=", html, StringComparison.OrdinalIgnoreCase);
    }

    private static string Nonce(HttpResponseMessage response) =>
        ScriptSource().Match(Directives(Single(response.Headers, "Content-Security-Policy"))["script-src"]).Groups["nonce"].Value;

    private static string Single(HttpResponseHeaders headers, string name) =>
        Assert.Single(headers.TryGetValues(name, out var values) ? values : [], v => v.Length > 0);

    private static Dictionary<string, string> Directives(string policy) =>
        policy.Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Select(d => d.Split(' ', 2))
            .ToDictionary(d => d[0], d => d.Length > 1 ? d[1] : "", StringComparer.Ordinal);

    /// <summary>128 random bits: 32 hex digits.</summary>
    [GeneratedRegex("^'self' 'nonce-(?<nonce>[0-9A-F]{32})'$")]
    private static partial Regex ScriptSource();

    /// <summary>A script element without a src attribute.</summary>
    [GeneratedRegex("<script(?![^>]*\\bsrc=)[^>]*>", RegexOptions.IgnoreCase)]
    private static partial Regex InlineScript();
}
