using Microsoft.Data.Sqlite;
using SupportCommunity.Benchmarks.Hosting;
using SupportCommunity.Benchmarks.Measurement;
using SupportCommunity.Benchmarks.Reporting;
using SupportCommunity.Demo;
using SupportCommunity.Web.Realtime;

namespace SupportCommunity.Benchmarks.Scenarios;

/// <summary>
/// Memory per idle connection joined to a room: managed heap after a full collection, and RSS, in the server process,
/// for the app and for the bare hub. The connections are held by a separate agent process, so this process's memory
/// holds only the server's side of them. Target (design.md §6): at most 1.2x bare.
/// </summary>
public sealed class IdleMemoryScenario : IScenario
{
    private const string Room = "general";
    private const double Target = 1.2;

    public string Name => "idle-memory";

    public string Title => "Memory per idle joined connection, server side, vs a bare hub";

    public async Task RunAsync(ScenarioContext context, ScenarioResult result, CancellationToken cancellationToken)
    {
        var sizes = context.Sizes;
        PerConnection appCost;
        PerConnection appConnected;
        await using (var app = AppNode.Start(context.NewFolder("idle")))
        {
            var tokens = new List<string>();
            foreach (var account in DemoCommunity.Accounts)
            {
                tokens.Add(await app.LoginAsync(account.Email));
            }

            var setup = new IdleAgentSetup(app.HubUrl, Bare: false, Room, LastSequence(app.ConnectionString), tokens);
            appCost = await MeasureAsync(setup, sizes, cancellationToken);
            appConnected = await MeasureAsync(setup with { Join = false }, sizes, cancellationToken);
        }

        PerConnection bareCost;
        PerConnection bareConnected;
        await using (var bare = await BareHubServer.StartAsync())
        {
            var setup = new IdleAgentSetup(bare.HubUrl, Bare: true, BareHub.Group(Room), 0, []);
            bareCost = await MeasureAsync(setup, sizes, cancellationToken);
            bareConnected = await MeasureAsync(setup with { Join = false }, sizes, cancellationToken);
        }

        context.Log($"app: {appCost.HeapBytes:0} B heap, {appCost.RssBytes:0} B RSS per connection; bare: {bareCost.HeapBytes:0} B heap, {bareCost.RssBytes:0} B RSS");
        result.Add(new Figure($"managed heap per connection ({sizes.IdleConnections:#,0} joined)", "B", appCost.HeapBytes, "bare hub", bareCost.HeapBytes));
        result.Add(new Figure($"RSS per connection ({sizes.IdleConnections:#,0} joined)", "B", appCost.RssBytes, "bare hub", bareCost.RssBytes));
        // Where the difference lives: in the connection itself (authentication, the request it rode in on) or in joining.
        result.Add(new Figure("managed heap per connection, connected, not joined", "B", appConnected.HeapBytes, "bare hub", bareConnected.HeapBytes));
        result.Add(new Figure("managed heap for joining, per connection", "B", appCost.HeapBytes - appConnected.HeapBytes, "bare hub", bareCost.HeapBytes - bareConnected.HeapBytes));
        var ratio = appCost.HeapBytes / bareCost.HeapBytes;
        result.Check($"managed heap per idle connection <= {Target}x bare hub", $"{ratio:0.00}x ({appCost.HeapBytes / 1024:0.0} KiB vs {bareCost.HeapBytes / 1024:0.0} KiB)", ratio <= Target);
        result.Note($"Method: the agent process opens {sizes.IdleWarmConnections} joined connections, the server process takes a full compacting GC and "
                    + $"reads GC.GetTotalMemory(true) and its RSS; the agent opens {sizes.IdleConnections:#,0} more; again; the difference over "
                    + $"{sizes.IdleConnections:#,0}. The first connections' one-time costs (JIT, pools) fall outside the difference. "
                    + "RSS is the noisier figure: the collector keeps some freed memory.");
        result.Note("App connections are the seven demo accounts in turn, joined with the room's last sequence; each holds the app's "
                    + "per-connection state (authentication, presence, groups). Bare connections are anonymous and only join a group.");
    }

    private static async Task<PerConnection> MeasureAsync(IdleAgentSetup setup, ScenarioSizes sizes, CancellationToken cancellationToken)
    {
        await using var agent = await IdleAgentProcess.StartAsync(setup);
        await agent.OpenAsync(sizes.IdleWarmConnections, cancellationToken);
        var before = MemorySnapshot.Take();
        var opened = await agent.OpenAsync(sizes.IdleConnections, cancellationToken);
        var after = MemorySnapshot.Take();
        return new PerConnection((double)(after.HeapBytes - before.HeapBytes) / opened, (double)(after.RssBytes - before.RssBytes) / opened);
    }

    private static long LastSequence(string connectionString)
    {
        using var connection = new SqliteConnection(connectionString);
        connection.Open();
        using var command = connection.CreateCommand();
        command.CommandText = """SELECT "LastSequence" FROM "Rooms" WHERE "Slug" = $room;""";
        command.Parameters.AddWithValue("$room", Room);
        return (long)(command.ExecuteScalar() ?? 0L);
    }

    private sealed record PerConnection(double HeapBytes, double RssBytes);
}
