using System.Net;
using System.Net.Http.Headers;
using Microsoft.AspNetCore.Http.Connections;
using static SupportCommunity.Web.Tests.Integration.Accounts;

namespace SupportCommunity.Web.Tests.Integration.Security;

public sealed class AuthenticationTests(CommunityAppFactory app) : IClassFixture<CommunityAppFactory>
{
    [Theory]
    [InlineData(HttpTransportType.WebSockets)]
    [InlineData(HttpTransportType.LongPolling)]
    public async Task HubConnection_WithoutToken_IsRefusedWith401(HttpTransportType transport)
    {
        await using var connection = app.BuildHubConnection(token: null, transport);

        var refusal = await Assert.ThrowsAsync<HttpRequestException>(() => connection.StartAsync().WaitAsync(CommunityAppFactory.Timeout));

        Assert.Equal(HttpStatusCode.Unauthorized, refusal.StatusCode);
    }

    [Fact]
    public async Task HubConnection_WithForgedToken_IsRefusedWith401()
    {
        await using var connection = app.BuildHubConnection("CfDJ8-not-a-real-token", HttpTransportType.WebSockets);

        var refusal = await Assert.ThrowsAsync<HttpRequestException>(() => connection.StartAsync().WaitAsync(CommunityAppFactory.Timeout));

        Assert.Equal(HttpStatusCode.Unauthorized, refusal.StatusCode);
    }

    [Theory]
    [InlineData(HttpTransportType.WebSockets, true)]
    [InlineData(HttpTransportType.WebSockets, false)]
    [InlineData(HttpTransportType.LongPolling, true)]
    [InlineData(HttpTransportType.LongPolling, false)]
    public async Task HubConnection_WithToken_JoinsAsTheSignedInUser(HttpTransportType transport, bool tokenInQuery)
    {
        await using var hub = await app.ConnectAsync(Member, transport, tokenInQuery);

        var joined = await hub.JoinRoomAsync(General);

        Assert.Contains(joined.Online.Users, u => u.Name == "Priya Nair" && u.Role == "TrustedMember");
    }

    [Fact]
    public async Task GetRooms_WithoutToken_Returns401ProblemDetails()
    {
        using var client = app.CreateClient();

        using var response = await client.GetAsync(new Uri("/api/rooms", UriKind.Relative));

        await response.ReadProblemAsync(HttpStatusCode.Unauthorized);
    }

    [Fact]
    public async Task PostMessage_WithoutToken_Returns401ProblemDetailsAndStoresNothing()
    {
        using var anonymous = app.CreateClient();
        using var api = await app.CreateApiClientAsync(Member);
        var before = await api.GetLastSequenceAsync(General);

        using var response = await anonymous.PostMessageAsync(General, "Who am I?");

        await response.ReadProblemAsync(HttpStatusCode.Unauthorized);
        Assert.Equal(before, await api.GetLastSequenceAsync(General));
    }

    [Fact]
    public async Task GetHistory_WithForgedBearerToken_Returns401ProblemDetails()
    {
        using var client = app.CreateClient();
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", "CfDJ8-not-a-real-token");

        using var response = await client.GetAsync(ApiClientExtensions.HistoryUri(General));

        await response.ReadProblemAsync(HttpStatusCode.Unauthorized);
    }

    [Fact]
    public async Task Login_WrongPassword_IsRefused()
    {
        var refusal = await Assert.ThrowsAsync<HttpRequestException>(() => app.RequestTokenAsync(Customer, "not-the-password"));

        Assert.Equal(HttpStatusCode.Unauthorized, refusal.StatusCode);
    }
}
