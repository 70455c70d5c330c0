using Microsoft.AspNetCore.SignalR.Client;
using SupportCommunity.Web.Realtime;
using SupportCommunity.Web.Security;
using SupportCommunity.Web.Tests.Integration;
using SupportCommunity.Web.Tests.Integration.Security;
using Xunit.Abstractions;
using static SupportCommunity.Web.Tests.Integration.Accounts;

namespace SupportCommunity.Web.Tests.ScaleOut;

/// <summary>
/// The never-reading client of <see cref="SlowClientTests"/> on a node with the Redis backplane. It runs with the
/// scale-out tests rather than alone: it measures delivery, not the heap.
/// </summary>
[Collection(ScaleOutTests.Name)]
public sealed class SlowClientWithRedisTests(SharedRedis redis, ITestOutputHelper output)
{
    private const int Messages = 1_000;

    /// <summary>
    /// With the Redis backplane, SignalR's group delivery on a node writes one message at a time and waits for every
    /// connection of the group before the next: one never-reading client paused its node's whole room (p99 about the
    /// 5 s send timeout). Rooms are now written to by <see cref="RoomFanOut"/> on each node without waiting.
    /// </summary>
    [Fact]
    public async Task NeverReadingClient_WithTheRedisBackplane_OthersKeepReceiving()
    {
        await using var node = new RedisKestrelAppFactory(redis.Endpoint);
        await using var listener = await SlowClientTests.ConnectAsync(Customer2, node);
        await listener.InvokeAsync<JoinRoomResult>("JoinRoom", Feedback, 0L).WaitAsync(CommunityAppFactory.Timeout);
        await using var sender = await SlowClientTests.ConnectAsync(Manager, node);
        await SlowClientTests.RunTrafficAsync(sender, listener, "warm-up, Redis", output, messages: 200);

        await using var slow = await SlowClientTests.NeverReadingClient.JoinAsync(node);
        var (_, p99, received, _) = await SlowClientTests.RunTrafficAsync(sender, listener, "slow client joined, Redis", output, Messages);
        output.WriteLine($"With the Redis backplane the reading member got all {received}; delivery p99 {p99:F0} ms with the slow client.");

        Assert.Equal(Messages, received);
        Assert.True(p99 < SlowClientLimits.SendTimeout.TotalMilliseconds / 2, $"the reading member waited {p99:F0} ms (p99) behind the slow one");
        await Eventually.HoldsAsync(() => SlowClientTests.Counter(node).OpenFor(slow.UserId) == 0, CommunityAppFactory.Timeout,
            "the server closed the never-reading connection");
    }
}
