using Microsoft.AspNetCore.DataProtection;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;
using StackExchange.Redis;
using SupportCommunity.Data;
using SupportCommunity.Web.Tests.Integration;

namespace SupportCommunity.Web.Tests.ScaleOut;

/// <summary>
/// One app node of a <see cref="Cluster"/>: the real app in memory, on the cluster's SQLite file and Redis, with the
/// key ring in the shared database as in production (the base factory keeps keys per app; nodes must share them).
/// </summary>
public sealed class ScaleOutNode(
    string name, IReadOnlyDictionary<string, string?> nodeSettings, Action<ScaleOutNode, IServiceCollection>? services = null)
    : CommunityAppFactory
{
    public string Name { get; } = name;

    /// <summary>This node's connection to Redis.</summary>
    public IConnectionMultiplexer Redis => Services.GetRequiredService<IConnectionMultiplexer>();

    public override string ToString() => Name;

    protected override void ConfigureSettings(IDictionary<string, string?> settings)
    {
        foreach (var (key, value) in nodeSettings)
        {
            settings[key] = value;
        }
    }

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        base.ConfigureWebHost(builder);
        builder.ConfigureServices(s => s.AddDataProtection().PersistKeysToDbContext<CommunityDbContext>());
        if (services is not null)
        {
            // After the app's own registrations, so a test can wrap one of them.
            builder.ConfigureTestServices(s => services(this, s));
        }
    }
}
