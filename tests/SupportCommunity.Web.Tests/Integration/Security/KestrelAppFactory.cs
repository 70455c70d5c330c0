using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http.Connections;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.AspNetCore.SignalR.Client;
using Microsoft.Extensions.DependencyInjection;
using SupportCommunity.Web.Realtime;

namespace SupportCommunity.Web.Tests.Integration.Security;

/// <summary>
/// The real app on a real Kestrel port, for what the in-memory test server does not do: Kestrel's limits, real
/// sockets and WebSocket upgrades, client addresses. <see cref="WebApplicationFactory{T}.CreateClient()"/> and
/// <see cref="CommunityAppFactory.LoginAsync"/> go over the network too.
/// </summary>
public class KestrelAppFactory : CommunityAppFactory
{
    private readonly Lazy<Uri> _baseAddress;

    public KestrelAppFactory()
    {
        UseKestrel(0);
        _baseAddress = new Lazy<Uri>(() => OverTheNetwork.Start(this));
    }

    /// <summary>http://127.0.0.1:port/ (starts the server on first use).</summary>
    public Uri BaseAddress => _baseAddress.Value;

    public Uri HubUrl => OverTheNetwork.HubUrl(BaseAddress);

    public HubConnection BuildNetworkHubConnection(
        string token, HttpTransportType transport = HttpTransportType.WebSockets, bool skipNegotiation = false) =>
        OverTheNetwork.BuildHubConnection(BaseAddress, token, transport, skipNegotiation);
}

/// <summary>An app factory on Kestrel, and the official SignalR .NET client talking to it over a socket.</summary>
public static class OverTheNetwork
{
    /// <summary>Starts the factory's server (it must use Kestrel) and returns its address, http://127.0.0.1:port/.</summary>
    public static Uri Start(WebApplicationFactory<Program> factory)
    {
        factory.StartServer();
        var addresses = factory.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()
            ?? throw new InvalidOperationException("Kestrel did not report its addresses.");
        var address = addresses.Addresses.First().Replace("[::]", "127.0.0.1", StringComparison.Ordinal)
            .Replace("localhost", "127.0.0.1", StringComparison.Ordinal);
        return new Uri(address.TrimEnd('/') + "/");
    }

    public static Uri HubUrl(Uri baseAddress) => new(baseAddress, CommunityHub.Path.TrimStart('/'));

    /// <summary>
    /// The client as a widget or bot uses it: the token from <see cref="HttpConnectionOptions.AccessTokenProvider"/>
    /// (on the query string of WebSocket and server-sent-event requests), no Origin header.
    /// </summary>
    public static HubConnection BuildHubConnection(Uri baseAddress, string token, HttpTransportType transport, bool skipNegotiation = false) =>
        new HubConnectionBuilder()
            .WithUrl(HubUrl(baseAddress), transport, options =>
            {
                options.AccessTokenProvider = () => Task.FromResult<string?>(token);
                options.SkipNegotiation = skipNegotiation;
            })
            .Build();
}

/// <summary>A Kestrel node with the Redis backplane on (a channel prefix of its own), for what only shows through it.</summary>
public sealed class RedisKestrelAppFactory(string redisEndpoint) : KestrelAppFactory
{
    protected override void ConfigureSettings(IDictionary<string, string?> settings)
    {
        base.ConfigureSettings(settings);
        settings["ConnectionStrings:Redis"] = redisEndpoint;
        settings["Redis:ChannelPrefix"] = "sc-test:" + Guid.NewGuid().ToString("N");
    }
}
