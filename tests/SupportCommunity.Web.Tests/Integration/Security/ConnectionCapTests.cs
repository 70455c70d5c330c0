using System.Net;
using System.Net.WebSockets;
using Microsoft.AspNetCore.Http.Connections;
using Microsoft.AspNetCore.Identity;
using Microsoft.AspNetCore.SignalR.Client;
using Microsoft.Extensions.DependencyInjection;
using SupportCommunity.Identity;
using SupportCommunity.Web.Security;
using SupportCommunity.Web.Tests.ScaleOut;
using static SupportCommunity.Web.Tests.Integration.Accounts;

namespace SupportCommunity.Web.Tests.Integration.Security;

/// <summary>The app on Kestrel with small connection caps: 3 per user, 5 per client address.</summary>
public sealed class ConnectionCapAppFactory : KestrelAppFactory
{
    public const int PerUser = 3;
    public const int PerIp = 5;

    protected override void ConfigureSettings(IDictionary<string, string?> settings)
    {
        settings["Limits:MaxConnectionsPerUser"] = PerUser.ToString(System.Globalization.CultureInfo.InvariantCulture);
        settings["Limits:MaxConnectionsPerIp"] = PerIp.ToString(System.Globalization.CultureInfo.InvariantCulture);
    }

    public HubConnectionCounter Counter => Services.GetRequiredService<HubConnectionCounter>();

    public async Task<string> UserIdAsync(string email)
    {
        await using var scope = Services.CreateAsyncScope();
        var user = await scope.ServiceProvider.GetRequiredService<UserManager<CommunityUser>>().FindByEmailAsync(email);
        return user?.Id ?? throw new InvalidOperationException($"No account {email}.");
    }

    /// <summary>Waits until the server counts <paramref name="open"/> open connections of <paramref name="email"/> (by default: all closed).</summary>
    public async Task WaitUntilClosedAsync(string email, int open = 0)
    {
        var id = await UserIdAsync(email);
        await Eventually.HoldsAsync(() => Counter.OpenFor(id) == open, Timeout, $"{email} has {open} connections counted");
    }
}

/// <summary>
/// The caps on open hub connections, with the official SignalR .NET client over real sockets (every client here
/// comes from 127.0.0.1, so the per-address cap counts them all). Each test leaves no connection behind.
/// </summary>
public sealed class ConnectionCapTests(ConnectionCapAppFactory app) : IClassFixture<ConnectionCapAppFactory>, IAsyncLifetime
{
    private readonly List<HubConnection> _connections = [];

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync()
    {
        foreach (var connection in _connections)
        {
            await connection.DisposeAsync();
        }

        foreach (var email in new[] { Customer, Customer2, Member, Agent })
        {
            await app.WaitUntilClosedAsync(email);
        }
    }

    [Fact]
    public async Task Connect_OverThePerUserCap_IsRefusedWith429AndAClearMessage()
    {
        for (var i = 0; i < ConnectionCapAppFactory.PerUser; i++)
        {
            await StartAsync(Customer);
        }

        await app.WaitUntilClosedAsync(Customer, open: ConnectionCapAppFactory.PerUser);
        var refused = await Connect(Customer);
        var refusal = await Assert.ThrowsAsync<HttpRequestException>(() => refused.StartAsync().WaitAsync(CommunityAppFactory.Timeout));
        Assert.Equal(HttpStatusCode.TooManyRequests, refusal.StatusCode);

        // What a client reads in the body of that refusal.
        using var client = await app.CreateApiClientAsync(Customer);
        using var negotiate = await client.PostAsync(new Uri("/hubs/community/negotiate?negotiateVersion=1", UriKind.Relative), null);
        var problem = await negotiate.ReadProblemAsync(HttpStatusCode.TooManyRequests);
        Assert.Equal(
            $"Too many live connections for this account: at most {ConnectionCapAppFactory.PerUser} at a time. Close a tab or an idle client, then try again.",
            problem.Detail);

        // Someone else is not affected.
        var other = await StartAsync(Customer2);
        Assert.Equal(General, (await other.InvokeAsync<JoinedRoom>("JoinRoom", General, 0L).WaitAsync(CommunityAppFactory.Timeout)).Room.Slug);
    }

    [Fact]
    public async Task Connect_SkippingNegotiationOverThePerUserCap_IsRefusedWith429()
    {
        for (var i = 0; i < ConnectionCapAppFactory.PerUser; i++)
        {
            await StartAsync(Member, skipNegotiation: true);
        }

        // The count starts in the hub's OnConnected, which may still run after the client's start returned; a
        // connection racing past the upgrade's check is closed after its handshake instead (another test).
        await app.WaitUntilClosedAsync(Member, open: ConnectionCapAppFactory.PerUser);
        var refused = await Connect(Member, skipNegotiation: true);
        var refusal = await Assert.ThrowsAsync<WebSocketException>(() => refused.StartAsync().WaitAsync(CommunityAppFactory.Timeout));

        Assert.Contains("429", refusal.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Connect_AfterOneClosed_IsAcceptedAgain()
    {
        var first = await StartAsync(Agent);
        for (var i = 1; i < ConnectionCapAppFactory.PerUser; i++)
        {
            await StartAsync(Agent);
        }

        await first.StopAsync().WaitAsync(CommunityAppFactory.Timeout);
        await app.WaitUntilClosedAsync(Agent, open: ConnectionCapAppFactory.PerUser - 1);

        var again = await StartAsync(Agent);
        Assert.Equal(HubConnectionState.Connected, again.State);
    }

    [Fact]
    public async Task Connect_ManyAtOnce_NeverMoreThanTheCapStayOpen()
    {
        // All start together, so several pass the negotiate check before any is counted: the hub itself must refuse
        // the rest when they connect (a HubException that closes them), or a 429 when they come late enough.
        var connections = new List<HubConnection>();
        for (var i = 0; i < 8; i++)
        {
            connections.Add(await Connect(Customer2));
        }

        var closed = connections.ToDictionary(c => c, c =>
        {
            var done = new TaskCompletionSource<Exception?>(TaskCreationOptions.RunContinuationsAsynchronously);
            c.Closed += e =>
            {
                done.TrySetResult(e);
                return Task.CompletedTask;
            };
            return done;
        });
        var starts = connections.Select(c => c.StartAsync().WaitAsync(CommunityAppFactory.Timeout)).ToList();
        await Task.WhenAll(starts.Select(s => s.ContinueWith(_ => { }, TaskScheduler.Default)));

        var refusals = new List<string>();
        var started = new List<HubConnection>();
        for (var i = 0; i < connections.Count; i++)
        {
            if (starts[i].Exception?.InnerException is { } failure)
            {
                refusals.Add(failure.Message);
            }
            else
            {
                started.Add(connections[i]);
            }
        }

        // A connection refused by the hub was started, then closed with the refusal: wait for those closes.
        var refusedByHub = started.Count - ConnectionCapAppFactory.PerUser;
        Assert.True(refusedByHub >= 0, $"only {started.Count} of 8 started: {string.Join(" | ", refusals)}");
        var closes = started.Select(c => closed[c].Task).ToList();
        for (var i = 0; i < refusedByHub; i++)
        {
            var next = await Task.WhenAny(closes).WaitAsync(CommunityAppFactory.Timeout);
            closes.Remove(next);
            refusals.Add((await next)?.Message ?? "closed without an error");
        }

        Assert.Equal(8 - ConnectionCapAppFactory.PerUser, refusals.Count);
        Assert.All(refusals, r => Assert.True(
            r.Contains("429", StringComparison.Ordinal) || r.Contains($"at most {ConnectionCapAppFactory.PerUser} at a time", StringComparison.Ordinal),
            $"not a clear refusal: {r}"));
        var open = connections.Where(c => c.State == HubConnectionState.Connected).ToList();
        Assert.Equal(ConnectionCapAppFactory.PerUser, open.Count);
        foreach (var connection in open)
        {
            await connection.InvokeAsync<JoinedRoom>("JoinRoom", General, 0L).WaitAsync(CommunityAppFactory.Timeout);
        }

        Assert.Equal(ConnectionCapAppFactory.PerUser, app.Counter.OpenFor(await app.UserIdAsync(Customer2)));
    }

    [Fact]
    public async Task Connect_OverThePerAddressCap_IsRefusedWhateverTheUser()
    {
        // 5 from one address over three users, none of them at the per-user cap.
        foreach (var email in new[] { Customer, Customer, Member, Member, Agent })
        {
            await StartAsync(email);
        }

        var refused = await Connect(Agent);
        var refusal = await Assert.ThrowsAsync<HttpRequestException>(() => refused.StartAsync().WaitAsync(CommunityAppFactory.Timeout));
        Assert.Equal(HttpStatusCode.TooManyRequests, refusal.StatusCode);

        using var client = await app.CreateApiClientAsync(Customer2);
        using var negotiate = await client.PostAsync(new Uri("/hubs/community/negotiate?negotiateVersion=1", UriKind.Relative), null);
        var problem = await negotiate.ReadProblemAsync(HttpStatusCode.TooManyRequests);
        Assert.Contains($"from your network address: at most {ConnectionCapAppFactory.PerIp} at a time", problem.Detail, StringComparison.Ordinal);
    }

    private async Task<HubConnection> Connect(string email, bool skipNegotiation = false)
    {
        var connection = app.BuildNetworkHubConnection(await app.LoginAsync(email), HttpTransportType.WebSockets, skipNegotiation);
        _connections.Add(connection);
        return connection;
    }

    private async Task<HubConnection> StartAsync(string email, bool skipNegotiation = false)
    {
        var connection = await Connect(email, skipNegotiation);
        await connection.StartAsync().WaitAsync(CommunityAppFactory.Timeout);
        return connection;
    }

    private sealed record JoinedRoom(RoomSummary Room);

    private sealed record RoomSummary(string Slug);
}
