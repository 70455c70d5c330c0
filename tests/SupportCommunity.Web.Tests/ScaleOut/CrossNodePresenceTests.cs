using System.Diagnostics;
using StackExchange.Redis;
using SupportCommunity.Web.Tests.Integration;
using Xunit.Abstractions;
using static SupportCommunity.Web.Tests.Integration.Accounts;

namespace SupportCommunity.Web.Tests.ScaleOut;

/// <summary>Presence lives in Redis: every node sees every node's users, and a node that goes away takes its users with it.</summary>
[Collection(ScaleOutTests.Name)]
public sealed class CrossNodePresenceTests(SharedRedis redis, ITestOutputHelper output)
{
    [Fact]
    public async Task Presence_UserJoinsOnNodeA_IsOnlineAsSeenFromNodeB()
    {
        await using var cluster = await Cluster.StartAsync(redis.Endpoint);
        await using var onB = await cluster.B.ConnectAsync(Manager);
        var before = await onB.JoinRoomAsync(General);
        Assert.DoesNotContain(before.Online.Users, u => u.Name == "Jordan Lee");

        await using var onA = await cluster.A.ConnectAsync(Customer);
        var joinedOnA = await onA.JoinRoomAsync(General);

        // A sees B's user, B is told about A's user, and a fresh look from B agrees.
        Assert.Contains(joinedOnA.Online.Users, u => u.Name == "Maya Chen");
        var change = await onB.Events.PresenceChanged.NextMatchingAsync(p => p.Online.Users.Any(u => u.Name == "Jordan Lee"));
        Assert.Equal(General, change.RoomSlug);
        Assert.Equal(before.Online.Count + 1, change.Online.Count);
        await using var lookFromB = await cluster.B.ConnectAsync(Agent);
        var seen = await lookFromB.JoinRoomAsync(General);
        Assert.Contains(seen.Online.Users, u => u is { Name: "Jordan Lee", Role: "Customer" });
        Assert.Contains(seen.Online.Users, u => u.Name == "Maya Chen");
    }

    [Fact]
    public async Task Presence_NodeAStopsGracefully_ItsUserGoesOfflineOnNodeBWithoutWaitingForExpiry()
    {
        // Entries would take a minute to expire: only a clean leave on shutdown makes this pass in time.
        await using var cluster = await Cluster.StartAsync(redis.Endpoint, configure: s => s["Redis:PresenceExpiry"] = "00:01:00");
        await using var onB = await cluster.B.ConnectAsync(Manager);
        await onB.JoinRoomAsync(Billing);
        var onA = await cluster.A.ConnectAsync(Customer2);
        await onA.JoinRoomAsync(Billing);
        var online = await onB.Events.PresenceChanged.NextMatchingAsync(p => p.Online.Users.Any(u => u.Name == "Casey Brooks"));

        var clock = Stopwatch.StartNew();
        await cluster.StopNodeAsync(cluster.A);
        await onA.DisposeAsync();

        var offline = await onB.Events.PresenceChanged.NextMatchingAsync(
            p => p.Online.Users.All(u => u.Name != "Casey Brooks"), TimeSpan.FromSeconds(10));
        output.WriteLine($"offline as seen from B {clock.ElapsedMilliseconds} ms after node A began to stop");
        Assert.Equal(Billing, offline.RoomSlug);
        Assert.Equal(online.Online.Count - 1, offline.Online.Count);
        Assert.Contains(offline.Online.Users, u => u.Name == "Maya Chen");

        await using var lookFromB = await cluster.B.ConnectAsync(Agent);
        var seen = await lookFromB.JoinRoomAsync(Billing);
        Assert.DoesNotContain(seen.Online.Users, u => u.Name == "Casey Brooks");
        Assert.Equal(offline.Online.Count + 1, seen.Online.Count);
    }

    [Fact]
    public async Task Presence_NodeCrashesWithoutLeaving_ItsUserGoesOfflineWithinExpiryPlusHeartbeat()
    {
        await using var cluster = await Cluster.StartAsync(redis.Endpoint);
        var expiry = cluster.PresenceExpiry;
        var heartbeat = cluster.PresenceHeartbeat;

        // A node that died: it wrote its connection's entry the way RedisPresenceStore does, then never renewed it
        // and never left (a sorted set of connections scored by expiry time, a hash of who they belong to).
        await using var onB = await cluster.B.ConnectAsync(Manager);
        await using var redisClient = await ConnectionMultiplexer.ConnectAsync(cluster.RedisEndpoint);
        var db = redisClient.GetDatabase();
        var connectionsKey = (RedisKey)$"{cluster.Prefix}:presence:{Feedback}";
        const string ghostConnection = "crashed-node-connection";
        var written = Stopwatch.StartNew();
        var expiresAt = DateTimeOffset.UtcNow.Add(expiry).ToUnixTimeMilliseconds();
        await db.SortedSetAddAsync(connectionsKey, ghostConnection, expiresAt);
        await db.HashSetAsync($"{cluster.Prefix}:presence:{Feedback}:users", ghostConnection, "ghost-user-id\tRiley Ghost\tCustomer");
        await db.SetAddAsync($"{cluster.Prefix}:presence:rooms", Feedback);

        var joined = await onB.JoinRoomAsync(Feedback);
        Assert.Contains(joined.Online.Users, u => u is { Name: "Riley Ghost", Role: "Customer" });
        Assert.True(written.Elapsed < expiry, "the check that the user is online came too late to mean anything");

        // Nobody renews the entry: a heartbeat prunes it once it expires, and B's clients are told.
        var offline = await onB.Events.PresenceChanged.NextMatchingAsync(
            p => p.Online.Users.All(u => u.Name != "Riley Ghost"), expiry + heartbeat + TimeSpan.FromSeconds(5));
        var took = written.Elapsed;
        output.WriteLine($"offline {took.TotalMilliseconds:0} ms after the entry was written (expiry {expiry.TotalMilliseconds:0} ms, heartbeat {heartbeat.TotalMilliseconds:0} ms)");
        // Gone once expired, and soon after (a heartbeat or two, with room for a busy machine): far within the 30 s promised.
        Assert.InRange(took, expiry - TimeSpan.FromMilliseconds(100), expiry + (2 * heartbeat) + TimeSpan.FromSeconds(3));
        Assert.Equal(Feedback, offline.RoomSlug);
        Assert.Contains(offline.Online.Users, u => u.Name == "Maya Chen");
        Assert.Null(await db.SortedSetScoreAsync(connectionsKey, ghostConnection));

        await using var lookFromA = await cluster.A.ConnectAsync(Agent);
        Assert.DoesNotContain((await lookFromA.JoinRoomAsync(Feedback)).Online.Users, u => u.Name == "Riley Ghost");
    }
}
