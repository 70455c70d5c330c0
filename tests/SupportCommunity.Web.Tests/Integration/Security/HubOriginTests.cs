using System.Net;
using System.Net.WebSockets;
using Microsoft.AspNetCore.Http.Connections;
using Microsoft.AspNetCore.SignalR.Client;
using static SupportCommunity.Web.Tests.Integration.Accounts;

namespace SupportCommunity.Web.Tests.Integration.Security;

/// <summary>The app on Kestrel with one extra origin allowed, as for a widget embedded in the company's site.</summary>
public sealed class WidgetOriginAppFactory : KestrelAppFactory
{
    public const string WidgetOrigin = "https://www.nimbus.example";

    protected override void ConfigureSettings(IDictionary<string, string?> settings) =>
        settings["Security:AllowedOrigins:0"] = WidgetOrigin + "/";
}

/// <summary>
/// Only pages of the app's own origin (or an allowed one) may open hub connections: another site's page cannot use
/// the visitor's session. Clients that send no Origin are not browsers and pass. Real sockets, real upgrades.
/// </summary>
public sealed class HubOriginTests(WidgetOriginAppFactory app) : IClassFixture<WidgetOriginAppFactory>
{
    public static TheoryData<string> ForeignOrigins => new()
    {
        "https://evil.example",
        "http://127.0.0.1.evil.example",
        "http://127.0.0.1:1",        // the app's host on another port is another origin
        "null",                      // sandboxed frames and file: pages
        "https://www.nimbus.example.evil.example",
        "not an origin",
    };

    [Theory]
    [MemberData(nameof(ForeignOrigins))]
    public async Task Negotiate_FromForeignOrigin_Returns403ProblemDetails(string origin)
    {
        using var client = await app.CreateApiClientAsync(Customer);
        using var request = new HttpRequestMessage(HttpMethod.Post, new Uri("/hubs/community/negotiate?negotiateVersion=1", UriKind.Relative));
        request.Headers.TryAddWithoutValidation("Origin", origin);

        using var response = await client.SendAsync(request);

        var problem = await response.ReadProblemAsync(HttpStatusCode.Forbidden);
        Assert.Contains("origin", problem.Detail, StringComparison.OrdinalIgnoreCase);
    }

    [Theory]
    [MemberData(nameof(ForeignOrigins))]
    public async Task WebSocketUpgrade_FromForeignOrigin_IsRefusedWith403(string origin)
    {
        var token = await app.LoginAsync(Customer);
        using var socket = new ClientWebSocket();
        socket.Options.CollectHttpResponseDetails = true;
        socket.Options.SetRequestHeader("Origin", origin);

        await Assert.ThrowsAsync<WebSocketException>(() => socket.ConnectAsync(HubSocketUri(token), CancellationToken.None).WaitAsync(CommunityAppFactory.Timeout));

        Assert.Equal(HttpStatusCode.Forbidden, socket.HttpStatusCode);
    }

    [Fact]
    public async Task WebSocketUpgrade_FromOwnOrigin_Connects()
    {
        var token = await app.LoginAsync(Customer);
        using var socket = new ClientWebSocket();
        socket.Options.CollectHttpResponseDetails = true;
        socket.Options.SetRequestHeader("Origin", app.BaseAddress.GetLeftPart(UriPartial.Authority));

        await socket.ConnectAsync(HubSocketUri(token), CancellationToken.None).WaitAsync(CommunityAppFactory.Timeout);

        Assert.Equal(HttpStatusCode.SwitchingProtocols, socket.HttpStatusCode);
        Assert.Equal(WebSocketState.Open, socket.State);
        await socket.CloseAsync(WebSocketCloseStatus.NormalClosure, null, CancellationToken.None).WaitAsync(CommunityAppFactory.Timeout);
    }

    [Theory]
    [InlineData(HttpTransportType.WebSockets, false)]
    [InlineData(HttpTransportType.WebSockets, true)]
    [InlineData(HttpTransportType.LongPolling, false)]
    public async Task OfficialClient_ForeignOrigin_IsRefused(HttpTransportType transport, bool skipNegotiation)
    {
        await using var connection = await BuildAsync(transport, skipNegotiation, "https://evil.example");

        var refusal = await Assert.ThrowsAnyAsync<Exception>(() => connection.StartAsync().WaitAsync(CommunityAppFactory.Timeout));

        Assert.True(
            refusal is HttpRequestException { StatusCode: HttpStatusCode.Forbidden } || refusal.Message.Contains("403", StringComparison.Ordinal),
            $"Expected a 403 refusal, got {refusal.GetType().Name}: {refusal.Message}");
        Assert.Equal(HubConnectionState.Disconnected, connection.State);
    }

    [Theory]
    [InlineData(null)]                                  // no Origin: the official client, bots
    [InlineData(WidgetOriginAppFactory.WidgetOrigin)]   // allowed by Security:AllowedOrigins
    [InlineData("HTTPS://WWW.NIMBUS.EXAMPLE:443")]      // the same origin, written otherwise
    [InlineData("own")]                                 // the app's own origin
    public async Task OfficialClient_NoOrOwnOrAllowedOrigin_ConnectsAndWorks(string? origin)
    {
        foreach (var (transport, skip) in new[] { (HttpTransportType.WebSockets, false), (HttpTransportType.WebSockets, true), (HttpTransportType.LongPolling, false) })
        {
            await using var connection = await BuildAsync(transport, skip, origin == "own" ? app.BaseAddress.GetLeftPart(UriPartial.Authority) : origin);

            await connection.StartAsync().WaitAsync(CommunityAppFactory.Timeout);
            var joined = await connection.InvokeAsync<JoinedRoom>("JoinRoom", General, 0L).WaitAsync(CommunityAppFactory.Timeout);

            Assert.Equal(General, joined.Room.Slug);
        }
    }

    [Fact]
    public async Task BlazorCircuitHub_FromForeignOrigin_Returns403()
    {
        using var client = app.CreateClient();
        using var request = new HttpRequestMessage(HttpMethod.Post, new Uri("/_blazor/negotiate?negotiateVersion=1", UriKind.Relative));
        request.Headers.TryAddWithoutValidation("Origin", "https://evil.example");
        using var own = new HttpRequestMessage(HttpMethod.Post, new Uri("/_blazor/negotiate?negotiateVersion=1", UriKind.Relative));
        own.Headers.TryAddWithoutValidation("Origin", app.BaseAddress.GetLeftPart(UriPartial.Authority));

        using var refused = await client.SendAsync(request);
        using var accepted = await client.SendAsync(own);

        await refused.ReadProblemAsync(HttpStatusCode.Forbidden);
        Assert.Equal(HttpStatusCode.OK, accepted.StatusCode);
    }

    [Fact]
    public void Start_AllowedOriginNotAnOrigin_FailsWithClearMessage()
    {
        using var factory = new BadOriginSettingAppFactory();

        var failure = Assert.Throws<InvalidOperationException>(() => factory.Services);

        Assert.Contains("Security:AllowedOrigins", failure.Message, StringComparison.Ordinal);
        Assert.Contains("www.nimbus.example/widget", failure.Message, StringComparison.Ordinal);
    }

    private Uri HubSocketUri(string token) =>
        new($"ws://{app.BaseAddress.Authority}/hubs/community?access_token={Uri.EscapeDataString(token)}");

    private async Task<HubConnection> BuildAsync(HttpTransportType transport, bool skipNegotiation, string? origin)
    {
        var token = await app.LoginAsync(Customer);
        return new HubConnectionBuilder()
            .WithUrl(app.HubUrl, transport, options =>
            {
                options.AccessTokenProvider = () => Task.FromResult<string?>(token);
                options.SkipNegotiation = skipNegotiation;
                if (origin is not null)
                {
                    // Sent on negotiate, on every long-polling request and on the WebSocket upgrade, as a browser would.
                    options.Headers["Origin"] = origin;
                }
            })
            .Build();
    }

    private sealed record JoinedRoom(RoomSummary Room);

    private sealed record RoomSummary(string Slug);

    private sealed class BadOriginSettingAppFactory : CommunityAppFactory
    {
        protected override void ConfigureSettings(IDictionary<string, string?> settings) =>
            settings["Security:AllowedOrigins:0"] = "https://www.nimbus.example/widget";
    }
}
