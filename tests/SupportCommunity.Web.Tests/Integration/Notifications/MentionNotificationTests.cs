using System.Net.Http.Json;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using SupportCommunity.Data;
using SupportCommunity.Demo;
using SupportCommunity.Notifications;
using SupportCommunity.Web.Tests.Integration.Conversations;
using static SupportCommunity.Web.Tests.Integration.Accounts;

namespace SupportCommunity.Web.Tests.Integration.Notifications;

public sealed class MentionNotificationTests(CommunityAppFactory app) : IClassFixture<CommunityAppFactory>
{
    [Fact]
    public async Task Mention_ByCustomer_NotifiesTheManagerLiveWithUnreadCountAndTheBellListsIt()
    {
        await using var manager = await app.ConnectClientAsync(Manager);
        await using var customer = await app.ConnectClientAsync(Customer);
        using var api = await app.CreateApiClientAsync(Manager);
        var before = await manager.GetNotificationsAsync();

        var sent = await customer.SendAsync(Feedback, "@Maya Chen could dark mode reach the mobile app too?");
        var live = await manager.Seen.NotificationReceived.NextAsync();

        Assert.Equal(NotificationKind.Mention, live.Notification.Kind);
        Assert.Equal(Feedback, live.Notification.RoomSlug);
        Assert.Equal("Feedback", live.Notification.RoomName);
        Assert.Equal(sent.Sequence, live.Notification.Sequence);
        Assert.Equal("Jordan Lee", live.Notification.ActorName);
        Assert.Equal(sent.Body, live.Notification.Excerpt);
        Assert.False(live.Notification.Read);
        Assert.Equal(before.Unread + 1, live.Unread);

        var overHub = await manager.GetNotificationsAsync();
        var overRest = await api.GetFromJsonAsync<NotificationPage>(new Uri("/api/notifications", UriKind.Relative));
        Assert.Equal(live.Notification, overHub.Items[0]);
        Assert.Equal(before.Unread + 1, overHub.Unread);
        Assert.NotNull(overRest);
        Assert.Equal(live.Notification, overRest.Items[0]);
        Assert.Equal(before.Unread + 1, overRest.Unread);
    }

    [Fact]
    public async Task Mention_OfTheAuthorThemself_NotifiesNobody()
    {
        await using var manager = await app.ConnectClientAsync(Manager);
        await using var customer = await app.ConnectClientAsync(Customer);

        await manager.SendAsync(Feedback, "Note to self, @Maya Chen: reply to the dark mode thread.");
        var sentinel = await customer.SendAsync(Feedback, "Thanks @Maya Chen!");

        // The first notification the manager gets is the customer's, sent after the self-mention.
        Assert.Equal(sentinel.Sequence, (await manager.Seen.NotificationReceived.NextAsync()).Notification.Sequence);
    }

    [Fact]
    public async Task EmailAddress_IsNoMention_ButTheSameNameAfterASpaceIs()
    {
        // A member whose display name is also the domain of the address, so a mistaken match would notify them.
        var email = $"domain-{Guid.NewGuid():N}@demo.test";
        using (var anonymous = app.CreateClient())
        {
            using var registered = await anonymous.PostAsJsonAsync("/api/auth/register", new { email, password = DemoCommunity.Password });
            registered.EnsureSuccessStatusCode();
        }

        await using (var db = await app.Services.GetRequiredService<IDbContextFactory<CommunityDbContext>>().CreateDbContextAsync())
        {
            Assert.Equal(1, await db.Users.Where(u => u.Email == email).ExecuteUpdateAsync(s => s.SetProperty(u => u.DisplayName, "y.com")));
        }

        await using var named = await app.ConnectClientAsync(email);
        await using var customer = await app.ConnectClientAsync(Customer);

        await customer.SendAsync(General, "Send the invoice copy to x@y.com please, or to billing@y.com.");
        var mention = await customer.SendAsync(General, "Thanks @y.com!");

        var first = await named.Seen.NotificationReceived.NextAsync();
        Assert.Equal(mention.Sequence, first.Notification.Sequence);
        Assert.Equal(NotificationKind.Mention, first.Notification.Kind);
        Assert.Equal(1, first.Unread);
        Assert.Single((await named.GetNotificationsAsync()).Items);
    }
}
