using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http.Connections;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using static SupportCommunity.Web.Tests.Integration.Accounts;

namespace SupportCommunity.Web.Tests.Integration.Security;

/// <summary>The app logging everything, at every level and in every category, into a recorder.</summary>
public class LogRecordingAppFactory : CommunityAppFactory
{
    public RecordingLoggerProvider Logs { get; } = new();

    protected override void ConfigureSettings(IDictionary<string, string?> settings)
    {
        settings["Logging:LogLevel:Default"] = "Trace";
        settings["Logging:LogLevel:Microsoft"] = "Trace";
        settings["Logging:LogLevel:Microsoft.AspNetCore"] = "Trace";
        settings["Logging:LogLevel:Microsoft.EntityFrameworkCore"] = "Trace";
        settings["Logging:LogLevel:Microsoft.Hosting.Lifetime"] = "Trace";
        // An operator turning request logging up must not expose tokens either.
        settings["Logging:LogLevel:Microsoft.AspNetCore.Hosting.Diagnostics"] = "Trace";
    }

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        base.ConfigureWebHost(builder);
        builder.ConfigureLogging(logging => logging.SetMinimumLevel(LogLevel.Trace));
        builder.ConfigureServices(services => services.AddSingleton<ILoggerProvider>(Logs));
    }
}

/// <summary>The same, on a real Kestrel port: real sockets, real WebSocket upgrades, and Kestrel's own logs.</summary>
public sealed class KestrelLogRecordingAppFactory : LogRecordingAppFactory
{
    private readonly Lazy<Uri> _baseAddress;

    public KestrelLogRecordingAppFactory()
    {
        UseKestrel(0);
        _baseAddress = new Lazy<Uri>(() => OverTheNetwork.Start(this));
    }

    public Uri BaseAddress => _baseAddress.Value;
}

/// <summary>
/// Levels set for one logging provider, as in <c>Logging:Console:LogLevel:Default</c>. A provider's own rules win over
/// the provider-neutral ones, so a filter that only sets a neutral rule does not hold here.
/// </summary>
public sealed class ProviderLevelLogRecordingAppFactory : LogRecordingAppFactory
{
    protected override void ConfigureSettings(IDictionary<string, string?> settings)
    {
        base.ConfigureSettings(settings);
        settings["Logging:Recording:LogLevel:Default"] = "Trace";
    }
}

public sealed class TokenLoggingTests(LogRecordingAppFactory app)
    : TokenLoggingTestsBase(app), IClassFixture<LogRecordingAppFactory>;

public sealed class TokenLoggingWithProviderLevelsTests(ProviderLevelLogRecordingAppFactory app)
    : TokenLoggingTestsBase(app), IClassFixture<ProviderLevelLogRecordingAppFactory>;

/// <summary>
/// The hub over a real socket, every log at Trace: the token on the query string of the WebSocket upgrade (after
/// negotiate, or as the very first request when negotiation is skipped) and of server-sent events is never logged,
/// by the app, SignalR or Kestrel.
/// </summary>
public sealed class TokenLoggingOverKestrelTests(KestrelLogRecordingAppFactory app) : IClassFixture<KestrelLogRecordingAppFactory>
{
    [Theory]
    [InlineData(HttpTransportType.WebSockets, false)]
    [InlineData(HttpTransportType.WebSockets, true)]
    [InlineData(HttpTransportType.ServerSentEvents, false)]
    [InlineData(HttpTransportType.LongPolling, false)]
    public async Task HubConnection_OverTheNetwork_TokenIsNeverLogged(HttpTransportType transport, bool skipNegotiation)
    {
        var baseAddress = app.BaseAddress;
        var token = await app.LoginAsync(Customer);
        var earlier = app.Logs.Records.Count;
        var connection = OverTheNetwork.BuildHubConnection(baseAddress, token, transport, skipNegotiation);
        await using (connection)
        {
            var received = HubEventRecorder.Attach(connection);
            await connection.StartAsync().WaitAsync(CommunityAppFactory.Timeout);
            var session = new HubSession(connection, received);
            await session.JoinRoomAsync(General);
            var sent = await session.SendAsync(General, $"Logged over {transport} on Kestrel?");
            Assert.Equal(sent, await received.MessageReceived.NextMatchingAsync(m => m.Id == sent.Id));
            await session.StopAsync();
        }

        var records = app.Logs.Records.Skip(earlier).ToList();
        // Not vacuous: Kestrel's connection logs, the transport's and SignalR's lowest levels were all recorded.
        Assert.Contains(records, r => r.Category.StartsWith("Microsoft.AspNetCore.Server.Kestrel", StringComparison.Ordinal) && r.Level <= LogLevel.Debug);
        Assert.Contains(records, r => r.Category.StartsWith("Microsoft.AspNetCore.SignalR", StringComparison.Ordinal) && r.Level <= LogLevel.Debug);
        Assert.Contains(records, r => r.Category.StartsWith("Microsoft.AspNetCore.Http.Connections", StringComparison.Ordinal) && r.Level <= LogLevel.Debug);
        Assert.Contains(records, r => r.Text.Contains("/hubs/community", StringComparison.Ordinal));
        if (transport == HttpTransportType.WebSockets)
        {
            Assert.Contains(records, r => r.Category.EndsWith(".WebSocketsTransport", StringComparison.Ordinal));
        }

        TokenLoggingTestsBase.AssertNotLogged(token, records);
    }
}

/// <summary>design.md §4: the hub takes the token as access_token on the query string, and it must never be logged.</summary>
public abstract class TokenLoggingTestsBase(LogRecordingAppFactory app)
{
    [Theory]
    [InlineData(HttpTransportType.WebSockets, true)]
    [InlineData(HttpTransportType.LongPolling, true)]
    [InlineData(HttpTransportType.WebSockets, false)]
    [InlineData(HttpTransportType.LongPolling, false)]
    public async Task HubConnection_TokenOnQueryOrHeader_TokenIsNeverLogged(HttpTransportType transport, bool tokenInQuery)
    {
        var token = await app.LoginAsync(Customer);
        var earlier = app.Logs.Records.Count;
        await using var hub = await app.ConnectAsync(Customer, transport, tokenInQuery);
        await hub.JoinRoomAsync(General);
        var sent = await hub.SendAsync(General, $"Logged over {transport}?");
        Assert.Equal(sent, await hub.Events.MessageReceived.NextMatchingAsync(m => m.Id == sent.Id));
        using (var api = await app.CreateApiClientAsync(Customer))
        {
            await api.SendAsync(General, "And over REST?");
        }

        await hub.StopAsync();

        var records = app.Logs.Records.Skip(earlier).ToList();
        // The recorder really saw the hub traffic at the lowest levels, so the check below is not vacuous.
        Assert.Contains(records, r => r.Category.StartsWith("Microsoft.AspNetCore.SignalR", StringComparison.Ordinal) && r.Level <= LogLevel.Debug);
        Assert.Contains(records, r => r.Category.StartsWith("Microsoft.AspNetCore.Http.Connections", StringComparison.Ordinal));
        Assert.Contains(records, r => r.Text.Contains("/hubs/community", StringComparison.Ordinal));
        AssertNotLogged(token, records);
    }

    internal static void AssertNotLogged(string token, IReadOnlyList<LogRecord> records)
    {
        var middle = token.Substring(token.Length / 2, 24);
        var leaks = records
            .Where(r => r.Text.Contains(token, StringComparison.Ordinal)
                || r.Text.Contains(Uri.EscapeDataString(token), StringComparison.Ordinal)
                || r.Text.Contains(middle, StringComparison.Ordinal))
            .Select(r => $"{r.Level} {r.Category}: {r.Text.Replace(token, "<token>", StringComparison.Ordinal)[..Math.Min(r.Text.Length, 200)]}")
            .Distinct()
            .ToList();
        Assert.True(leaks.Count == 0, "The access token was logged:\n" + string.Join("\n", leaks));
    }
}
