using System.Security.Claims;
using Microsoft.AspNetCore.Http;
using SupportCommunity.Web.Account;

namespace SupportCommunity.Web.Tests.Integration.Security;

/// <summary>A hub connection's request, kept for the connection's life, forgets the bearer token once authenticated.</summary>
public sealed class HubCredentialsTests
{
    [Fact]
    public async Task ForgetHubCredentials_AuthenticatedHubRequest_DropsTheTokenFromHeaderAndQueryAndKeepsTheRest()
    {
        var context = Request("/hubs/community", "?id=abc&access_token=secret-token", authenticated: true);
        var reachedNext = false;

        await IdentitySetup.ForgetHubCredentials(context, c =>
        {
            reachedNext = true;
            return Task.CompletedTask;
        });

        Assert.True(reachedNext);
        Assert.Equal(0, context.Request.Headers.Authorization.Count);
        Assert.DoesNotContain("secret-token", context.Request.QueryString.Value, StringComparison.Ordinal);
        Assert.False(context.Request.Query.ContainsKey("access_token"));
        Assert.Equal("abc", context.Request.Query["id"]);
    }

    [Theory]
    [InlineData("/hubs/community", false)]
    [InlineData("/api/rooms", true)]
    public async Task ForgetHubCredentials_AnonymousOrNotTheHub_LeavesTheRequestAlone(string path, bool authenticated)
    {
        var context = Request(path, "?access_token=secret-token", authenticated);

        await IdentitySetup.ForgetHubCredentials(context, _ => Task.CompletedTask);

        Assert.Equal("Bearer secret-token", context.Request.Headers.Authorization.ToString());
        Assert.Equal("secret-token", context.Request.Query["access_token"]);
    }

    private static DefaultHttpContext Request(string path, string query, bool authenticated)
    {
        var context = new DefaultHttpContext();
        context.Request.Path = path;
        context.Request.QueryString = new QueryString(query);
        context.Request.Headers.Authorization = "Bearer secret-token";
        context.User = authenticated
            ? new ClaimsPrincipal(new ClaimsIdentity([new Claim(ClaimTypes.NameIdentifier, "u1")], "Bearer"))
            : new ClaimsPrincipal(new ClaimsIdentity());
        return context;
    }
}
