using Microsoft.AspNetCore.DataProtection;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;

namespace SupportCommunity.Browser.Tests;

/// <summary>
/// The real app on a real Kestrel port (a browser cannot reach the in-memory TestServer), with demo mode on and its
/// own SQLite file and data-protection keys in a temp folder.
/// </summary>
public sealed class CommunityAppFactory : WebApplicationFactory<Program>
{
    private readonly string _root;
    private readonly IReadOnlyDictionary<string, string?> _settings;

    /// <param name="root">The folder of the SQLite file and the keys: nodes given the same root share both.</param>
    /// <param name="settings">Extra configuration (for example the Redis connection string), applied last.</param>
    public CommunityAppFactory(string root, IReadOnlyDictionary<string, string?>? settings = null)
    {
        _root = root;
        _settings = settings ?? new Dictionary<string, string?>();
        UseKestrel(0);
    }

    public Uri BaseAddress { get; private set; } = default!;

    public void Start()
    {
        StartServer();
        var addresses = Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()
            ?? throw new InvalidOperationException("Kestrel did not report its addresses.");
        // Kestrel reports "http://127.0.0.1:PORT" for a loopback bind on port 0.
        var address = addresses.Addresses.First().Replace("[::]", "127.0.0.1", StringComparison.Ordinal);
        BaseAddress = new Uri(address.TrimEnd('/') + "/");
    }

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        var database = Path.Combine(_root, "community.db");
        builder.UseSetting("ConnectionStrings:Community", $"Data Source={database}");
        builder.UseSetting("Demo:Enabled", "true");
        builder.UseSetting("Logging:LogLevel:Default", "Warning");
        builder.UseSetting("Logging:LogLevel:Microsoft.AspNetCore", "Warning");
        foreach (var (key, value) in _settings)
        {
            builder.UseSetting(key, value);
        }

        builder.ConfigureTestServices(services =>
            // Keys next to the database, not in ~/.aspnet: cookies and protected local storage use them.
            services.AddDataProtection()
                .SetApplicationName("SupportCommunity.Browser.Tests")
                .PersistKeysToFileSystem(new DirectoryInfo(Path.Combine(_root, "keys"))));
    }
}
