using System.Net;
using System.Net.Http.Json;
using SupportCommunity.Web.Tests.Integration.Conversations;
using static SupportCommunity.Web.Tests.Integration.Accounts;

namespace SupportCommunity.Web.Tests.Integration.Notifications;

/// <summary>Read marks and the bell's unread count follow the user across connections (tabs, devices), and only them.</summary>
public sealed class ReadStateSyncTests(CommunityAppFactory app) : IClassFixture<CommunityAppFactory>
{
    [Fact]
    public async Task MarkRead_OnOneConnection_TheOtherConnectionGetsReadStateChangedWithTheSequence()
    {
        await using var tab1 = await app.ConnectClientAsync(Member);
        await using var tab2 = await app.ConnectClientAsync(Member);
        await using var someoneElse = await app.ConnectClientAsync(Customer2);
        await using var customer = await app.ConnectClientAsync(Customer);
        using var api = await app.CreateApiClientAsync(Member);
        await tab1.JoinRoomAsync(General);
        var unreadBefore = (await tab1.GetNotificationsAsync()).Unread;
        var mention = await customer.SendAsync(General, "@Priya Nair did quitting the app fix it for you too?");
        Assert.Equal(unreadBefore + 1, (await tab2.Seen.NotificationReceived.NextAsync()).Unread);

        await tab1.MarkReadAsync(General, mention.Sequence);

        // Reading the room also reads the bell's entries for it.
        var expected = new ReadStateEvent(General, mention.Sequence, unreadBefore);
        Assert.Equal(expected, await tab2.Seen.ReadStateChanged.NextAsync());
        Assert.Equal(expected, await tab1.Seen.ReadStateChanged.NextAsync());
        Assert.Equal(0, Assert.Single(await api.GetRoomsAsync(), r => r.Slug == General).Unread);

        // Another user hears nothing of it: their own mark is the first event they get.
        await someoneElse.MarkReadAsync(Feedback, 1);
        Assert.Equal(Feedback, (await someoneElse.Seen.ReadStateChanged.NextAsync()).RoomSlug);
    }

    [Fact]
    public async Task MarkRead_OverRestOrBackwards_SyncsForwardMarksOnly()
    {
        await using var tab = await app.ConnectClientAsync(Customer2);
        using var api = await app.CreateApiClientAsync(Customer2);
        var last = await api.GetLastSequenceAsync(Billing);
        var unread = (await tab.GetNotificationsAsync()).Unread;

        using (var response = await api.PostAsJsonAsync(new Uri($"/api/rooms/{Billing}/read", UriKind.Relative), new { sequence = last }))
        {
            Assert.Equal(HttpStatusCode.NoContent, response.StatusCode);
        }

        Assert.Equal(new ReadStateEvent(Billing, last, unread), await tab.Seen.ReadStateChanged.NextAsync());

        // An older tab reporting an earlier point moves nothing and tells nobody; the next real move is the next event.
        await tab.MarkReadAsync(Billing, 1);
        await tab.MarkReadAsync(General, 2);
        Assert.Equal(new ReadStateEvent(General, 2, unread), await tab.Seen.ReadStateChanged.NextAsync());
    }

    [Fact]
    public async Task MarkNotificationsRead_AllOnOneConnection_TheOtherGetsNotificationsReadZero()
    {
        await using var tab1 = await app.ConnectClientAsync(Manager);
        await using var tab2 = await app.ConnectClientAsync(Manager);
        await using var customer = await app.ConnectClientAsync(Customer);
        var first = await customer.SendAsync(Feedback, "@Maya Chen one more idea: offline folders.");
        var second = await customer.SendAsync(Feedback, "@Maya Chen and a dark tray icon.");
        await tab2.Seen.NotificationReceived.NextMatchingAsync(n => n.Notification.Sequence == first.Sequence);
        var last = await tab2.Seen.NotificationReceived.NextMatchingAsync(n => n.Notification.Sequence == second.Sequence);
        Assert.True(last.Unread >= 2);

        // One entry first: the other tab gets the count after it.
        var unreadAfterOne = await tab1.MarkNotificationsReadAsync(last.Notification.Id);
        Assert.Equal(last.Unread - 1, unreadAfterOne);
        Assert.Equal(unreadAfterOne, await tab2.Seen.NotificationsRead.NextAsync());

        var unreadAfterAll = await tab1.MarkNotificationsReadAsync(null);

        Assert.Equal(0, unreadAfterAll);
        Assert.Equal(0, await tab2.Seen.NotificationsRead.NextAsync());
        Assert.Equal(0, await tab1.Seen.NotificationsRead.NextMatchingAsync(n => n == 0));
        var page = await tab2.GetNotificationsAsync();
        Assert.Equal(0, page.Unread);
        Assert.All(page.Items, n => Assert.True(n.Read));
    }
}
