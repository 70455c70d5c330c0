using System.Diagnostics;
using System.Net.Http.Json;
using Microsoft.Playwright;

namespace SupportCommunity.Browser.Tests;

/// <summary>The scale-out browser tests run one at a time: each stops or loads two nodes and a Redis of its own.</summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class ScaleOutTestGroup
{
    public const string Name = "ScaleOut browser";
}

/// <summary>
/// Two app nodes on real Kestrel ports, sharing one SQLite file, one key folder and one Redis of their own (which a
/// test may stop and start again), plus a headless Chromium. Node A starts first, so it migrates and seeds the demo
/// community; node B then finds it ready. Each fixture has its own channel prefix, so presence and events of other
/// fixtures never mix in.
/// </summary>
public sealed class ScaleOutFixture : IAsyncLifetime
{
    private IPlaywright? _playwright;
    private static readonly HttpClient Http = new() { Timeout = TimeSpan.FromSeconds(10) };

    public string Root { get; } = Path.Combine(BrowserFixture.TempBase, "browser-scaleout-" + Guid.NewGuid().ToString("N")[..12]);

    public string ChannelPrefix { get; } = "browser-scaleout-" + Guid.NewGuid().ToString("N")[..12];

    public RedisServer Redis { get; private set; } = default!;

    public CommunityAppFactory NodeA { get; private set; } = default!;

    public CommunityAppFactory NodeB { get; private set; } = default!;

    public IBrowser Browser { get; private set; } = default!;

    public async Task InitializeAsync()
    {
        Directory.CreateDirectory(Root);
        BrowserFixture.KeepChromiumOutOfHome();
        Redis = await RedisServer.StartAsync();

        var settings = new Dictionary<string, string?>
        {
            ["ConnectionStrings:Redis"] = Redis.Endpoint,
            ["Redis:ChannelPrefix"] = ChannelPrefix,
        };
        NodeA = new CommunityAppFactory(Root, settings);
        NodeA.Start();
        NodeB = new CommunityAppFactory(Root, settings);
        NodeB.Start();

        _playwright = await Playwright.CreateAsync();
        Browser = await BrowserFixture.LaunchChromiumAsync(_playwright);
    }

    /// <summary>A fresh browser context (one user) whose relative URLs go to <paramref name="node"/>.</summary>
    public Task<UserSession> NewUserAsync(CommunityAppFactory node) => BrowserFixture.NewUserAsync(Browser, node.BaseAddress);

    /// <summary>The overall status <c>GET /health</c> reports on <paramref name="node"/>: Healthy, Degraded or Unhealthy.</summary>
    public static async Task<string> HealthAsync(CommunityAppFactory node)
    {
        using var response = await Http.GetAsync(new Uri(node.BaseAddress, "health"));
        var body = await response.Content.ReadFromJsonAsync<HealthBody>()
            ?? throw new InvalidOperationException($"/health answered {(int)response.StatusCode} with no body.");
        return body.Status;
    }

    /// <summary>Asks <c>/health</c> again and again until it reports <paramref name="expected"/>; fails after the timeout.</summary>
    public static async Task WaitForHealthAsync(CommunityAppFactory node, string expected, TimeSpan timeout)
    {
        var watch = Stopwatch.StartNew();
        var seen = new List<string>();
        while (true)
        {
            var status = await HealthAsync(node);
            if (seen.Count == 0 || seen[^1] != status)
            {
                seen.Add(status);
            }

            if (status == expected)
            {
                return;
            }

            if (watch.Elapsed > timeout)
            {
                Assert.Fail($"/health on {node.BaseAddress} did not report {expected} within {timeout.TotalSeconds:0} s; it reported {string.Join(" → ", seen)}.");
            }

            await Task.Delay(100);
        }
    }

    public async Task DisposeAsync()
    {
        if (Browser is not null)
        {
            await Browser.CloseAsync();
        }

        _playwright?.Dispose();
        if (NodeB is not null)
        {
            await NodeB.DisposeAsync();
        }

        if (NodeA is not null)
        {
            await NodeA.DisposeAsync();
        }

        if (Redis is not null)
        {
            await Redis.DisposeAsync();
        }

        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        try
        {
            Directory.Delete(Root, recursive: true);
        }
        catch (IOException)
        {
            // Best effort: the temp root of tests/run.sh is removed as a whole anyway.
        }
    }

    private sealed record HealthBody(string Status);
}
