using System.Collections.Concurrent;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.AspNetCore.SignalR.Client;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.DependencyInjection;
using SupportCommunity.Demo;
using SupportCommunity.Web.Realtime;

namespace SupportCommunity.Benchmarks.Hosting;

/// <summary>
/// The real app, built by its own Program.cs, on a real Kestrel port in this process, over a SQLite file in
/// <paramref name="folder"/>. Production environment, demo community seeded, flood guard and connection caps out of the way.
/// </summary>
public sealed class AppNode : IAsyncDisposable
{
    private readonly Factory _factory;
    private readonly HttpClient _http;
    private readonly ConcurrentDictionary<string, Task<string>> _tokens = new(StringComparer.OrdinalIgnoreCase);

    private AppNode(string folder, IReadOnlyDictionary<string, string?> settings, string? databasePath)
    {
        Folder = folder;
        DatabasePath = databasePath ?? Path.Combine(folder, "community.db");
        Directory.CreateDirectory(folder);
        _factory = new Factory(DatabasePath, settings);
        _factory.Start();
        BaseAddress = _factory.BaseAddress;
        _http = new HttpClient { BaseAddress = BaseAddress, Timeout = TimeSpan.FromSeconds(30) };
    }

    public string Folder { get; }

    public string DatabasePath { get; }

    public string ConnectionString => $"Data Source={DatabasePath}";

    public Uri BaseAddress { get; }

    public Uri HubUrl => new(BaseAddress, CommunityHub.Path.TrimStart('/'));

    public IServiceProvider Services => _factory.Services;

    /// <summary>
    /// Starts a node over <c>community.db</c> in <paramref name="folder"/>, or over <paramref name="databasePath"/>.
    /// Nodes given the same database share it, and so the data-protection key ring that tokens depend on.
    /// </summary>
    public static AppNode Start(string folder, IReadOnlyDictionary<string, string?>? settings = null, string? databasePath = null) =>
        new(folder, settings ?? new Dictionary<string, string?>(), databasePath);

    /// <summary>An access token from <c>POST /api/auth/login</c>, as any API or hub client gets one; cached per account.</summary>
    public Task<string> LoginAsync(string email) => _tokens.GetOrAdd(email, async e =>
    {
        using var response = await _http.PostAsJsonAsync("api/auth/login", new { email = e, password = DemoCommunity.Password });
        response.EnsureSuccessStatusCode();
        var login = await response.Content.ReadFromJsonAsync<LoginResponse>();
        return login?.AccessToken ?? throw new InvalidOperationException($"Login for {e} returned no token.");
    });

    /// <summary>A hub connection (not started) for one of the demo accounts.</summary>
    public async Task<HubConnection> CreateConnectionAsync(string email) =>
        HubClients.Build(HubUrl, await LoginAsync(email));

    public async ValueTask DisposeAsync()
    {
        _http.Dispose();
        await _factory.DisposeAsync();
        // Pooled connections keep the file open; the run's folder is deleted afterwards.
        SqliteConnection.ClearAllPools();
    }

    private sealed record LoginResponse(string? AccessToken);

    /// <summary>
    /// The app's project folder, from the manifest Mvc.Testing writes next to this assembly. WebApplicationFactory
    /// looks for that manifest in the current directory, which under <c>dotnet run</c> is the repository root.
    /// </summary>
    private static string WebContentRoot()
    {
        var manifest = Path.Combine(AppContext.BaseDirectory, "MvcTestingAppManifest.json");
        var roots = File.Exists(manifest)
            ? JsonSerializer.Deserialize<Dictionary<string, string>>(File.ReadAllText(manifest)) ?? []
            : [];
        var web = typeof(Program).Assembly.FullName ?? "";
        return roots.TryGetValue(web, out var root) && Directory.Exists(root) ? root : AppContext.BaseDirectory;
    }

    private sealed class Factory : WebApplicationFactory<Program>
    {
        private readonly string _database;
        private readonly IReadOnlyDictionary<string, string?> _settings;

        public Factory(string database, IReadOnlyDictionary<string, string?> settings)
        {
            _database = database;
            _settings = settings;
            UseKestrel(0);
        }

        public Uri BaseAddress { get; private set; } = default!;

        public void Start()
        {
            StartServer();
            var addresses = Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()
                ?? throw new InvalidOperationException("Kestrel did not report its addresses.");
            var address = addresses.Addresses.First().Replace("[::]", "127.0.0.1", StringComparison.Ordinal)
                .Replace("localhost", "127.0.0.1", StringComparison.Ordinal);
            BaseAddress = new Uri(address.TrimEnd('/') + "/");
        }

        protected override void ConfigureWebHost(IWebHostBuilder builder)
        {
            // Production: what a deployment runs. Console logging of every request or query would be measured too,
            // so the log is cut to warnings, as an operator would run a busy node.
            builder.UseEnvironment("Production");
            builder.UseContentRoot(WebContentRoot());
            var settings = new Dictionary<string, string?>(StringComparer.Ordinal)
            {
                ["ConnectionStrings:Community"] = $"Data Source={_database}",
                ["Demo:Enabled"] = "true",
                // Thousands of sends from a handful of demo accounts: the flood guard would refuse them.
                ["Limits:FloodMessages"] = "100000000",
                ["Limits:TrustedFloodMessages"] = "100000000",
                ["Limits:FloodSpacing"] = "00:00:00",
                // Thousands of hub connections from a handful of demo accounts, all from 127.0.0.1.
                ["Limits:MaxConnectionsPerUser"] = "100000000",
                ["Limits:MaxConnectionsPerIp"] = "100000000",
                ["Logging:LogLevel:Default"] = "Warning",
                ["Logging:LogLevel:Microsoft.AspNetCore"] = "Warning",
                ["Logging:LogLevel:Microsoft.EntityFrameworkCore"] = "Warning",
                ["Logging:LogLevel:Microsoft.Hosting.Lifetime"] = "Warning",
                // Keys kept unencrypted in a throwaway database: the warning says nothing about performance.
                ["Logging:LogLevel:Microsoft.AspNetCore.DataProtection"] = "Error",
            };
            foreach (var (key, value) in _settings)
            {
                settings[key] = value;
            }

            foreach (var (key, value) in settings)
            {
                builder.UseSetting(key, value);
            }
        }
    }
}
