using System.Net;
using System.Text;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using SupportCommunity.Web.Security;
using static SupportCommunity.Web.Tests.Integration.Accounts;

namespace SupportCommunity.Web.Tests.Integration.Security;

/// <summary>Kestrel's limits as the app sets them, against a real Kestrel.</summary>
public sealed class KestrelLimitsTests(KestrelAppFactory app) : IClassFixture<KestrelAppFactory>
{
    [Fact]
    public async Task Login_BodyOverTheServerLimit_Returns413ProblemDetails()
    {
        using var client = app.CreateClient();

        using var response = await client.PostAsync(new Uri("/api/auth/login", UriKind.Relative), LoginBody(KestrelLimits.MaxRequestBodySize + 1));

        await response.ReadProblemAsync(HttpStatusCode.RequestEntityTooLarge);
    }

    [Fact]
    public async Task Login_BodyJustUnderTheServerLimit_IsReadAndAnswered()
    {
        using var client = app.CreateClient();

        using var response = await client.PostAsync(new Uri("/api/auth/login", UriKind.Relative), LoginBody(KestrelLimits.MaxRequestBodySize - 1024));

        // Read in full and refused for what it says (a wrong password), not for its size.
        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
    }

    [Fact]
    public async Task Request_HeadersOverTheLimit_Returns431()
    {
        using var client = app.CreateClient();
        using var request = new HttpRequestMessage(HttpMethod.Get, new Uri("/health", UriKind.Relative));
        request.Headers.Add("X-Padding", new string('x', 33 * 1024));

        using var response = await client.SendAsync(request);

        Assert.Equal(HttpStatusCode.RequestHeaderFieldsTooLarge, response.StatusCode);
    }

    [Fact]
    public void Limits_NotConfigured_AreTheAppsOwn()
    {
        var limits = app.Services.GetRequiredService<IOptions<KestrelServerOptions>>().Value.Limits;

        Assert.Equal(KestrelLimits.MaxRequestBodySize, limits.MaxRequestBodySize);
        Assert.Equal(32 * 1024, limits.MaxRequestHeadersTotalSize);
        Assert.Equal(10_000, limits.MaxConcurrentConnections);
        Assert.Equal(10_000, limits.MaxConcurrentUpgradedConnections);
        Assert.Equal(TimeSpan.FromSeconds(120), limits.KeepAliveTimeout);
        Assert.Equal(TimeSpan.FromSeconds(15), limits.RequestHeadersTimeout);
    }

    private static StringContent LoginBody(long size)
    {
        var prefix = $"{{\"email\":\"{Customer}\",\"password\":\"";
        const string Suffix = "\"}";
        var body = prefix + new string('x', (int)size - prefix.Length - Suffix.Length) + Suffix;
        Assert.Equal(size, Encoding.UTF8.GetByteCount(body));
        return new StringContent(body, Encoding.UTF8, "application/json");
    }
}

/// <summary>An operator's <c>Kestrel:Limits</c> override the app's values.</summary>
public sealed class ConfiguredKestrelLimitsTests(ConfiguredKestrelLimitsTests.Factory app) : IClassFixture<ConfiguredKestrelLimitsTests.Factory>
{
    [Fact]
    public async Task Login_BodyOverTheConfiguredLimit_Returns413ProblemDetails()
    {
        using var client = app.CreateClient();
        var body = new StringContent($"{{\"email\":\"{Customer}\",\"password\":\"{new string('x', 5000)}\"}}", Encoding.UTF8, "application/json");

        using var response = await client.PostAsync(new Uri("/api/auth/login", UriKind.Relative), body);

        await response.ReadProblemAsync(HttpStatusCode.RequestEntityTooLarge);
    }

    [Fact]
    public void Limits_Configured_WinOverTheAppsOwn()
    {
        var limits = app.Services.GetRequiredService<IOptions<KestrelServerOptions>>().Value.Limits;

        Assert.Equal(4096, limits.MaxRequestBodySize);
        Assert.Equal(500, limits.MaxConcurrentConnections);
        Assert.Equal(TimeSpan.FromSeconds(30), limits.KeepAliveTimeout);
        // Not configured: still the app's own.
        Assert.Equal(TimeSpan.FromSeconds(15), limits.RequestHeadersTimeout);
    }

    public sealed class Factory : KestrelAppFactory
    {
        protected override void ConfigureSettings(IDictionary<string, string?> settings)
        {
            settings["Kestrel:Limits:MaxRequestBodySize"] = "4096";
            settings["Kestrel:Limits:MaxConcurrentConnections"] = "500";
            settings["Kestrel:Limits:KeepAliveTimeout"] = "00:00:30";
        }
    }
}
