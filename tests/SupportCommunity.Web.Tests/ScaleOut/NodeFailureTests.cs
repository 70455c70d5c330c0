using System.Diagnostics;
using Xunit.Abstractions;
using static SupportCommunity.Web.Tests.Integration.Accounts;

namespace SupportCommunity.Web.Tests.ScaleOut;

/// <summary>A node goes away under traffic: its clients reconnect through the load balancer to the other node and catch up.</summary>
[Collection(ScaleOutTests.Name)]
public sealed class NodeFailureTests(SharedRedis redis, ITestOutputHelper output)
{
    [Fact]
    public async Task SteadyTraffic_NodeAStoppedMidStream_ItsClientsMoveToNodeBAndEveryClientEndsComplete()
    {
        await using var cluster = await Cluster.StartAsync(redis.Endpoint);
        var clients = await Scenario.StartClientsAsync(cluster, General,
            ("jordan@A", Customer, cluster.A), ("casey@A", Customer2, cluster.A), ("alex@A(reader)", Admin, cluster.A),
            ("priya@B", Member, cluster.B), ("theo@B", Moderator, cluster.B), ("maya@B(reader)", Manager, cluster.B));
        var fromA = clients.Where(c => c.Node == cluster.A).ToList();
        try
        {
            const int PerPhase = 80;
            var phaseTimeout = TimeSpan.FromSeconds(20);
            var senders = clients.Where(c => !c.Name.Contains("reader", StringComparison.Ordinal)).ToList();
            await using var traffic = Traffic.Start(senders, TimeSpan.FromMilliseconds(200));
            await traffic.WaitForMoreAcksAsync(PerPhase, phaseTimeout);

            // Node A goes away mid-stream, with sends of its clients in flight; the load balancer sends its clients to B.
            traffic.Phase = "failover";
            foreach (var sender in senders.Where(fromA.Contains))
            {
                traffic.Burst(sender, 5);
            }

            var stopping = Stopwatch.StartNew();
            await cluster.StopNodeAsync(cluster.A);
            output.WriteLine($"node A stopped in {stopping.ElapsedMilliseconds} ms");
            var moved = await Eventually.HoldsAsync(
                () => fromA.All(c => c.Node == cluster.B && c.LastSequence > 0),
                TimeSpan.FromSeconds(10),
                "node A's clients reconnected to node B");
            output.WriteLine($"node A's clients were on node B {moved.TotalMilliseconds:0} ms after A stopped");

            traffic.Phase = "after";
            await traffic.WaitForMoreAcksAsync(PerPhase, phaseTimeout);
            await traffic.StopAsync();

            await Scenario.FinishAsync(output, cluster, General, clients, traffic, "node A stopped under steady traffic");
            Assert.All(fromA, c => Assert.Equal(("A→B", 1), (c.NodesVisited, c.Reconnects)));
            Assert.All(clients.Except(fromA), c => Assert.Equal(("B", 0), (c.NodesVisited, c.Reconnects)));
        }
        finally
        {
            await Scenario.DisposeAllAsync(clients);
        }
    }
}
