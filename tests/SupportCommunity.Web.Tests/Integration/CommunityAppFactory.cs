using System.Collections.Concurrent;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http.Connections;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.AspNetCore.SignalR.Client;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.DependencyInjection;
using SupportCommunity.Demo;
using SupportCommunity.Web.Realtime;

namespace SupportCommunity.Web.Tests.Integration;

/// <summary>
/// The real app in memory over a SQLite file of its own (in a temp folder deleted on dispose), in Development with the
/// demo community seeded. Share one per test class; subclasses change settings in <see cref="ConfigureSettings"/>.
/// </summary>
public class CommunityAppFactory : WebApplicationFactory<Program>
{
    /// <summary>How long a test waits for anything it expects.</summary>
    public static readonly TimeSpan Timeout = TimeSpan.FromSeconds(10);

    private readonly ConcurrentDictionary<string, Task<string>> _tokens = new(StringComparer.OrdinalIgnoreCase);

    public CommunityAppFactory()
    {
        var root = Environment.GetEnvironmentVariable("SUPPORTCOMMUNITY_TEST_TMP") is { Length: > 0 } tmp ? tmp : Path.GetTempPath();
        Folder = Path.Combine(root, "sc-integration-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(Folder);
        DatabasePath = Path.Combine(Folder, "community.db");
    }

    public string Folder { get; }

    public string DatabasePath { get; }

    /// <summary>Changes the app's settings; the defaults raise the flood limit and the connection caps, and switch duplicate blocking off, so that busy test classes are not refused.</summary>
    protected virtual void ConfigureSettings(IDictionary<string, string?> settings)
    {
    }

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        var settings = new Dictionary<string, string?>(StringComparer.Ordinal)
        {
            ["ConnectionStrings:Community"] = $"Data Source={DatabasePath}",
            ["Demo:Enabled"] = "true",
            ["Limits:FloodMessages"] = "1000",
            ["Limits:TrustedFloodMessages"] = "1000",
            ["Limits:FloodSpacing"] = "00:00:00",
            // Test classes send the same short texts many times; the duplicate tests switch the window back on.
            ["Limits:DuplicateWindow"] = "00:00:00",
            // Test classes open many hub connections per demo account; the cap tests set their own.
            ["Limits:MaxConnectionsPerUser"] = "1000",
            ["Limits:MaxConnectionsPerIp"] = "10000",
        };
        ConfigureSettings(settings);

        builder.UseEnvironment("Development");
        foreach (var (key, value) in settings)
        {
            builder.UseSetting(key, value);
        }

        // The default key ring lives in ~/.aspnet; keep each app's keys (bearer tokens) in its own temp folder.
        builder.ConfigureServices(services => services.AddDataProtection()
            .PersistKeysToFileSystem(new DirectoryInfo(Path.Combine(Folder, "keys"))));
    }

    /// <summary>An access token from <c>POST /api/auth/login</c>, cached per account.</summary>
    public Task<string> LoginAsync(string email) => _tokens.GetOrAdd(email, e => RequestTokenAsync(e, DemoCommunity.Password));

    public async Task<string> RequestTokenAsync(string email, string password)
    {
        using var client = CreateClient();
        using var response = await client.PostAsJsonAsync("/api/auth/login", new { email, password });
        response.EnsureSuccessStatusCode();
        var login = await response.Content.ReadFromJsonAsync<LoginResponse>();
        return login?.AccessToken is { Length: > 0 } token
            ? token
            : throw new InvalidOperationException($"Login for {email} returned no access token.");
    }

    /// <summary>An HTTP client for the REST API, signed in as <paramref name="email"/> with a bearer token.</summary>
    public async Task<HttpClient> CreateApiClientAsync(string email)
    {
        var client = CreateClient();
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", await LoginAsync(email));
        return client;
    }

    /// <summary>A started hub connection for <paramref name="email"/>, its events recorded from the start.</summary>
    public async Task<HubSession> ConnectAsync(
        string email, HttpTransportType transport = HttpTransportType.WebSockets, bool tokenInQuery = true)
    {
        var token = await LoginAsync(email);
        var connection = BuildHubConnection(token, transport, tokenInQuery);
        var events = HubEventRecorder.Attach(connection);
        try
        {
            await connection.StartAsync().WaitAsync(Timeout);
        }
        catch
        {
            await connection.DisposeAsync();
            throw;
        }

        return new HubSession(connection, events);
    }

    /// <summary>
    /// A hub connection over the in-memory server. With <paramref name="tokenInQuery"/> the token travels as
    /// <c>access_token</c> on the query string of every hub request, as browsers send it; otherwise as a bearer header.
    /// </summary>
    public HubConnection BuildHubConnection(string? token, HttpTransportType transport, bool tokenInQuery = true)
    {
        var server = Server;
        return new HubConnectionBuilder()
            .WithUrl(new Uri(server.BaseAddress, CommunityHub.Path.TrimStart('/')), transport, options =>
            {
                if (token is not null)
                {
                    options.AccessTokenProvider = () => Task.FromResult<string?>(token);
                }

                options.HttpMessageHandlerFactory = _ => tokenInQuery
                    ? new QueryStringTokenHandler(server.CreateHandler())
                    : server.CreateHandler();
                options.WebSocketFactory = async (context, cancellationToken) =>
                {
                    var client = server.CreateWebSocketClient();
                    var uri = context.Uri;
                    if (token is not null)
                    {
                        if (tokenInQuery)
                        {
                            uri = QueryStringTokenHandler.WithToken(uri, token);
                        }
                        else
                        {
                            client.ConfigureRequest = request => request.Headers.Authorization = "Bearer " + token;
                        }
                    }

                    return await client.ConnectAsync(uri, cancellationToken);
                };
            })
            .Build();
    }

    protected override void Dispose(bool disposing)
    {
        base.Dispose(disposing);
        if (!disposing)
        {
            return;
        }

        SqliteConnection.ClearAllPools();
        try
        {
            Directory.Delete(Folder, recursive: true);
        }
        catch (IOException)
        {
            // A file still held open; the run's temp root is removed anyway.
        }
    }

    private sealed record LoginResponse(string? AccessToken);

    /// <summary>Moves the client's bearer header to the <c>access_token</c> query parameter, as browser clients send it.</summary>
    private sealed class QueryStringTokenHandler(HttpMessageHandler inner) : DelegatingHandler(inner)
    {
        public static Uri WithToken(Uri uri, string token)
        {
            var separator = string.IsNullOrEmpty(uri.Query) ? "?" : "&";
            return new Uri(uri.AbsoluteUri + separator + "access_token=" + Uri.EscapeDataString(token));
        }

        protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            if (request.Headers.Authorization is { Scheme: "Bearer", Parameter: { Length: > 0 } token } && request.RequestUri is { } uri)
            {
                request.Headers.Authorization = null;
                request.RequestUri = WithToken(uri, token);
            }

            return base.SendAsync(request, cancellationToken);
        }
    }
}
