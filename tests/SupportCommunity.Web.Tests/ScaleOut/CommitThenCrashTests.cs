using System.Diagnostics;
using Xunit.Abstractions;
using static SupportCommunity.Web.Tests.Integration.Accounts;

namespace SupportCommunity.Web.Tests.ScaleOut;

/// <summary>
/// Node A commits a message and dies before anyone hears of it (<see cref="CrashAfterCommit"/>): no live event leaves
/// it and the sender gets no acknowledgement. The database has the message, so everyone still gets it through
/// catch-up: the sender's retry on node B is answered with the stored message and node B announces it (the retry is the
/// first the room hears of it), so the clients that stayed on B get it live at once, and the clients that move from A
/// to B get it when they rejoin (or live, whichever comes first).
/// </summary>
[Collection(ScaleOutTests.Name)]
public sealed class CommitThenCrashTests(SharedRedis redis, ITestOutputHelper output)
{
    private static readonly TimeSpan Promise = TimeSpan.FromSeconds(10);

    [Fact]
    public async Task SendMessage_NodeDiesAfterCommitBeforeFanOut_SenderRetryGetsStoredMessageAndNodeBAnnouncesIt()
    {
        var seam = new CrashAfterCommit();
        await using var cluster = await Cluster.StartAsync(redis.Endpoint, services: (node, services) =>
        {
            if (node.Name == "A")
            {
                seam.Install(node, services);
            }
        });
        seam.Cluster = cluster;

        var clients = await Scenario.StartClientsAsync(cluster, Billing,
            ("jordan@A", Customer, cluster.A), ("alex@A(reader)", Admin, cluster.A),
            ("priya@B", Member, cluster.B), ("maya@B(reader)", Manager, cluster.B));
        var (jordan, alex, priya, maya) = (clients[0], clients[1], clients[2], clients[3]);
        var stayedOnB = new[] { priya, maya };
        var movedFromA = new[] { jordan, alex };
        try
        {
            // Before: messages from both nodes reach everyone live.
            var sent = new List<SentMessage>();
            for (var i = 1; i <= 2; i++)
            {
                sent.Add(await jordan.SendAsync($"Before the crash {i} (A)") with { Ordinal = i });
                sent.Add(await priya.SendAsync($"Before the crash {i} (B)") with { Ordinal = i });
            }

            await Eventually.HoldsAsync(
                () => clients.All(c => sent.All(s => c.Holds(s.Ack) && c.ReceivedLive(s.Ack.Sequence))),
                Promise,
                "everyone got the first messages live");

            // Node A commits Jordan's message and dies before fanning it out or acknowledging it.
            var clock = Stopwatch.StartNew();
            var sending = jordan.SendAsync($"My refund never arrived {CrashAfterCommit.Marker}");
            var committed = await seam.Crashed.WaitAsync(Promise);
            var retried = await sending.WaitAsync(TimeSpan.FromSeconds(30));
            sent.Add(retried with { Ordinal = 3 });
            output.WriteLine($"node A died after committing #{committed.Sequence}; Jordan's send was acknowledged by node B after " +
                             $"{retried.Attempts} attempts, {clock.ElapsedMilliseconds} ms; first attempt: {string.Join(" | ", retried.Errors)}");
            await seam.Stopped.WaitAsync(TimeSpan.FromSeconds(30));
            output.WriteLine($"node A's host stopped {clock.ElapsedMilliseconds} ms after the crash; events it never published: {seam.Dropped}");

            // The retry (same client message id) was answered with the stored message: stored once, not twice.
            Assert.Equal(committed, retried.Ack);
            Assert.Equal(sent[3].Ack.Sequence + 1, committed.Sequence);
            Assert.Equal(2, retried.Attempts);
            Assert.False(cluster.IsUp(cluster.A));

            // The retry was the first node B heard of the message: it announced it, so the clients that stayed on B have
            // it live, without waiting for the room's next message. Node A's clients reconnect to B and have it too.
            var heard = await Eventually.HoldsAsync(
                () => stayedOnB.All(c => c.Holds(committed)) && movedFromA.All(c => c.Node == cluster.B && c.Holds(committed)),
                Promise,
                "everyone holds the committed message, node A's clients from node B");
            output.WriteLine($"every client held it {heard.TotalMilliseconds:0} ms after the retry's acknowledgement");
            Assert.All(stayedOnB, c => Assert.True(c.ReceivedLive(committed.Sequence), $"{c.Name} did not get #{committed.Sequence} live"));

            // The conversation goes on on node B.
            var answer = await priya.SendAsync("Did it show up on your bank statement?") with { Ordinal = 3 };
            sent.Add(answer);
            Assert.Equal(committed.Sequence + 1, answer.Ack.Sequence);

            var stored = await Scenario.ReadStoredRoomAsync(cluster, Billing);
            var converged = await Eventually.HoldsAsync(
                () => Consistency.ClientsMatch(stored, clients), Promise, "every client holds exactly the stored room");
            var report = Consistency.Measure(stored, sent.Count, sent, clients);
            report.Print(output, "node A died after a commit, before its fan-out");
            output.WriteLine($"every client matched the stored room {converged.TotalMilliseconds:0} ms after the next message");

            report.AssertNothingLostDuplicatedOrReordered();
            Assert.Equal(sent[0].Ack.Sequence + 5, stored[^1].Sequence);
            Assert.Equal(stored[^1].Sequence, stored.Count);
            Assert.Equal(committed, Assert.Single(stored, m => m.ClientMessageId == committed.ClientMessageId));
            Assert.All(clients, c => Assert.True(c.ReceivedLive(answer.Ack.Sequence), $"{c.Name} did not get the answer live"));
            Assert.All(movedFromA, c => Assert.Equal(("A→B", 1), (c.NodesVisited, c.Reconnects)));
            Assert.All(stayedOnB, c => Assert.Equal(("B", 0, 0), (c.NodesVisited, c.Reconnects, c.GapsNoticed)));
        }
        finally
        {
            await Scenario.DisposeAllAsync(clients);
        }
    }
}
