using System.Collections.Concurrent;
using System.Globalization;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.DependencyInjection;
using SupportCommunity.Web.Tests.Integration;

namespace SupportCommunity.Web.Tests.ScaleOut;

/// <summary>
/// Two (or more) app nodes sharing one SQLite file and one Redis, with a channel prefix of their own so that no other
/// test sees their traffic. Node A starts first (it migrates and seeds), then the others. <see cref="PickNode"/> plays
/// the load balancer: it sends clients to a node that is still up.
/// </summary>
public sealed class Cluster : IAsyncDisposable
{
    private readonly List<ScaleOutNode> _nodes = [];
    private readonly List<ScaleOutNode> _live = [];
    private readonly HashSet<ScaleOutNode> _stopped = [];
    private readonly Lock _gate = new();
    private readonly ConcurrentDictionary<string, Task<string>> _tokens = new(StringComparer.OrdinalIgnoreCase);

    private readonly Action<ScaleOutNode, IServiceCollection>? _services;

    private Cluster(string redisEndpoint, string folder, Dictionary<string, string?> settings, Action<ScaleOutNode, IServiceCollection>? services)
    {
        RedisEndpoint = redisEndpoint;
        Folder = folder;
        Settings = settings;
        _services = services;
    }

    public string RedisEndpoint { get; }

    /// <summary>The Redis channel and key prefix of this cluster.</summary>
    public string Prefix => Settings["Redis:ChannelPrefix"]!;

    public string Folder { get; }

    public IReadOnlyDictionary<string, string?> Settings { get; }

    public ScaleOutNode A => _nodes[0];

    public ScaleOutNode B => _nodes[1];

    public TimeSpan PresenceHeartbeat => TimeSpan.Parse(Settings["Redis:PresenceHeartbeat"]!, CultureInfo.InvariantCulture);

    public TimeSpan PresenceExpiry => TimeSpan.Parse(Settings["Redis:PresenceExpiry"]!, CultureInfo.InvariantCulture);

    /// <summary>
    /// Starts the nodes one after another. <paramref name="configure"/> changes the shared settings;
    /// <paramref name="services"/> changes a node's services after the app's own (a fault seam, for example).
    /// </summary>
    public static async Task<Cluster> StartAsync(
        string redisEndpoint,
        int nodes = 2,
        Action<IDictionary<string, string?>>? configure = null,
        Action<ScaleOutNode, IServiceCollection>? services = null)
    {
        var root = Environment.GetEnvironmentVariable("SUPPORTCOMMUNITY_TEST_TMP") is { Length: > 0 } tmp ? tmp : Path.GetTempPath();
        var id = Guid.NewGuid().ToString("N");
        var folder = Path.Combine(root, "sc-scaleout-" + id);
        Directory.CreateDirectory(folder);

        var settings = new Dictionary<string, string?>(StringComparer.Ordinal)
        {
            ["ConnectionStrings:Community"] = $"Data Source={Path.Combine(folder, "community.db")}",
            ["ConnectionStrings:Redis"] = redisEndpoint,
            ["Redis:ChannelPrefix"] = "sc-test:" + id,
            ["Redis:PresenceHeartbeat"] = "00:00:00.500",
            ["Redis:PresenceExpiry"] = "00:00:03",
            ["Limits:FloodMessages"] = "100000",
            ["Limits:TrustedFloodMessages"] = "100000",
            ["Limits:FloodSpacing"] = "00:00:00",
            ["Limits:ReactionToggles"] = "100000",
        };
        configure?.Invoke(settings);

        var cluster = new Cluster(redisEndpoint, folder, settings, services);
        try
        {
            for (var i = 0; i < nodes; i++)
            {
                await cluster.StartNodeAsync(((char)('A' + i)).ToString());
            }
        }
        catch
        {
            await cluster.DisposeAsync();
            throw;
        }

        return cluster;
    }

    /// <summary>Starts one more node on the same database and Redis.</summary>
    public async Task<ScaleOutNode> StartNodeAsync(string name)
    {
        var node = new ScaleOutNode(name, Settings, _services);
        lock (_gate)
        {
            _nodes.Add(node);
        }

        // Builds and starts the host: migrations, seeding, hosted services.
        await Task.Run(() => node.Server);
        lock (_gate)
        {
            _live.Add(node);
        }

        return node;
    }

    /// <summary>The load balancer: <paramref name="preferred"/> while it is up, otherwise the first node that is.</summary>
    public ScaleOutNode PickNode(ScaleOutNode? preferred = null)
    {
        lock (_gate)
        {
            if (preferred is not null && _live.Contains(preferred))
            {
                return preferred;
            }

            return _live.Count > 0 ? _live[0] : throw new InvalidOperationException("No node of the cluster is up.");
        }
    }

    public bool IsUp(ScaleOutNode node)
    {
        lock (_gate)
        {
            return _live.Contains(node);
        }
    }

    /// <summary>Takes the node out of the load balancer at once (it died): new connections go to the others.</summary>
    public void TakeOutOfRotation(ScaleOutNode node)
    {
        lock (_gate)
        {
            _live.Remove(node);
        }
    }

    /// <summary>Takes the node out of the load balancer, then stops it (its host shuts down, its connections close).</summary>
    public async Task StopNodeAsync(ScaleOutNode node)
    {
        lock (_gate)
        {
            _live.Remove(node);
            if (!_stopped.Add(node))
            {
                return;
            }
        }

        await node.DisposeAsync();
    }

    /// <summary>An access token, issued by whichever node is up: every node accepts it (shared key ring).</summary>
    public Task<string> TokenAsync(string email) =>
        _tokens.GetOrAdd(email, e => PickNode().RequestTokenAsync(e, Demo.DemoCommunity.Password));

    /// <summary>A REST client on the node <paramref name="node"/> (or any node that is up).</summary>
    public async Task<HttpClient> CreateApiClientAsync(string email, ScaleOutNode? node = null)
    {
        var client = PickNode(node).CreateClient();
        client.DefaultRequestHeaders.Authorization = new("Bearer", await TokenAsync(email));
        return client;
    }

    public async ValueTask DisposeAsync()
    {
        List<ScaleOutNode> nodes;
        lock (_gate)
        {
            nodes = [.. _nodes.Where(n => !_stopped.Contains(n))];
            _stopped.UnionWith(nodes);
            _live.Clear();
        }

        foreach (var node in Enumerable.Reverse(nodes))
        {
            await node.DisposeAsync();
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
}
