using SupportCommunity.Web.Tests.Integration.Conversations;
using static SupportCommunity.Web.Tests.Integration.Accounts;

namespace SupportCommunity.Web.Tests.ScaleOut;

/// <summary>The bell and read marks follow a user across nodes: each of their connections hears, wherever it is.</summary>
[Collection(ScaleOutTests.Name)]
public sealed class CrossNodeBellTests(SharedRedis redis) : IAsyncLifetime
{
    private Cluster _cluster = null!;

    public async Task InitializeAsync() => _cluster = await Cluster.StartAsync(redis.Endpoint);

    public async Task DisposeAsync() => await _cluster.DisposeAsync();

    [Fact]
    public async Task Mention_SentOnNodeA_NotifiesTheMentionedUserOnBothNodes()
    {
        await using var customer = await _cluster.A.ConnectClientAsync(Customer);
        await using var managerOnA = await _cluster.A.ConnectClientAsync(Manager);
        await using var managerOnB = await _cluster.B.ConnectClientAsync(Manager);
        var unreadBefore = (await managerOnB.GetNotificationsAsync()).Unread;

        var mention = await customer.SendAsync(General, "@Maya Chen sync is paused on both my machines");

        foreach (var tab in new[] { managerOnA, managerOnB })
        {
            var heard = await tab.Seen.NotificationReceived.NextMatchingAsync(n => n.Notification.Sequence == mention.Sequence);
            Assert.Equal(unreadBefore + 1, heard.Unread);
            Assert.Equal(General, heard.Notification.RoomSlug);
        }
    }

    [Fact]
    public async Task MarkRead_OnNodeA_ReachesTheSameUsersConnectionOnNodeB()
    {
        await using var tabOnA = await _cluster.A.ConnectClientAsync(Member);
        await using var tabOnB = await _cluster.B.ConnectClientAsync(Member);
        // As a tab does on opening, B reads its state first: SignalR completes the handshake before the hub's
        // OnConnectedAsync has joined the user's group on node B (a Redis subscription), and a call is answered only
        // after it, so an event published from A before that first answer could pass B by (it failed once so).
        _ = await tabOnB.GetNotificationsAsync();
        var last = (await tabOnA.JoinRoomAsync(Billing)).Room.LastSequence;

        await tabOnA.MarkReadAsync(Billing, last);

        var seenOnB = await tabOnB.Seen.ReadStateChanged.NextMatchingAsync(r => r.RoomSlug == Billing);
        Assert.Equal(last, seenOnB.LastReadSequence);

        await tabOnB.MarkNotificationsReadAsync(null);
        Assert.Equal(0, await tabOnA.Seen.NotificationsRead.NextAsync());
    }
}
