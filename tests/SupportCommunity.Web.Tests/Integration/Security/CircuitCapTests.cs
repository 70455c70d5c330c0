using System.Net;
using System.Net.Http.Headers;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Identity;
using Microsoft.Extensions.DependencyInjection;
using SupportCommunity.Identity;
using SupportCommunity.Web.Security;
using static SupportCommunity.Web.Tests.Integration.Accounts;

namespace SupportCommunity.Web.Tests.Integration.Security;

/// <summary>
/// The circuit caps at Blazor's negotiate request, over a real socket: over a cap it answers 429 with problem details
/// that say which cap, and a freed slot lets the next circuit negotiate. The circuits themselves are opened in real
/// Chromium by <c>CircuitCapBrowserTests</c>; here the server's count is set directly, which is what those circuits do.
/// </summary>
public sealed class CircuitCapTests(CircuitCapTests.App app) : IClassFixture<CircuitCapTests.App>
{
    [Fact]
    public async Task Negotiate_AtThePerUserCap_Is429WithTheReason_AndAFreedSlotLetsItThrough()
    {
        var user = await app.UserIdAsync(Customer);
        for (var i = 0; i < App.PerUser; i++)
        {
            Assert.True(app.Circuits.TryOpen(user, null, out _));
        }

        try
        {
            var refusal = await NegotiateAsync(Customer, HttpStatusCode.TooManyRequests);
            Assert.Equal($"You have the community open in too many tabs: at most {App.PerUser} at a time. Close one of them, then reload this page.", refusal);

            // Someone else from the same address is not refused by this user's cap.
            await NegotiateAsync(Customer2, HttpStatusCode.OK);

            app.Circuits.Close(user, null);
            await NegotiateAsync(Customer, HttpStatusCode.OK);
        }
        finally
        {
            while (app.Circuits.OpenFor(user) > 0)
            {
                app.Circuits.Close(user, null);
            }
        }
    }

    [Fact]
    public async Task Negotiate_AtThePerAddressCap_Is429ForEveryone_EvenSignedOut()
    {
        for (var i = 0; i < App.PerIp; i++)
        {
            Assert.True(app.Circuits.TryOpen(null, "127.0.0.1", out _));
        }

        try
        {
            var refusal = await NegotiateAsync(null, HttpStatusCode.TooManyRequests);
            Assert.Contains($"from your network address: at most {App.PerIp} at a time", refusal, StringComparison.Ordinal);
            await NegotiateAsync(Member, HttpStatusCode.TooManyRequests);
        }
        finally
        {
            for (var i = 0; i < App.PerIp; i++)
            {
                app.Circuits.Close(null, "127.0.0.1");
            }
        }

        await NegotiateAsync(null, HttpStatusCode.OK);
    }

    /// <summary>Blazor's negotiate request as blazor.web.js sends it; the problem's detail when refused.</summary>
    private async Task<string?> NegotiateAsync(string? email, HttpStatusCode expected)
    {
        using var client = new HttpClient { BaseAddress = app.BaseAddress, Timeout = CommunityAppFactory.Timeout };
        if (email is not null)
        {
            client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", await app.LoginAsync(email));
        }

        using var response = await client.PostAsync(new Uri("_blazor/negotiate?negotiateVersion=1", UriKind.Relative), null);
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(expected == response.StatusCode, $"{(int)response.StatusCode}: {body}");
        if (expected == HttpStatusCode.OK)
        {
            return null;
        }

        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        var problem = JsonNode.Parse(body)!;
        Assert.Equal(429, problem["status"]!.GetValue<int>());
        return problem["detail"]!.GetValue<string>();
    }

    /// <summary>The app on Kestrel with small circuit caps.</summary>
    public sealed class App : KestrelAppFactory
    {
        public const int PerUser = 2;
        public const int PerIp = 5;

        protected override void ConfigureSettings(IDictionary<string, string?> settings)
        {
            settings["Limits:MaxCircuitsPerUser"] = PerUser.ToString(System.Globalization.CultureInfo.InvariantCulture);
            settings["Limits:MaxCircuitsPerIp"] = PerIp.ToString(System.Globalization.CultureInfo.InvariantCulture);
        }

        public CircuitCounter Circuits => Services.GetRequiredService<CircuitCounter>();

        public async Task<string> UserIdAsync(string email)
        {
            await using var scope = Services.CreateAsyncScope();
            var user = await scope.ServiceProvider.GetRequiredService<UserManager<CommunityUser>>().FindByEmailAsync(email);
            return user?.Id ?? throw new InvalidOperationException($"No account {email}.");
        }
    }
}
