using System.Net.Http.Json;
using SupportCommunity.Messages;
using SupportCommunity.Notifications;
using static SupportCommunity.Web.Tests.Integration.Accounts;

namespace SupportCommunity.Web.Tests.Integration.Conversations;

/// <summary>Threads are one level deep: <c>replyToSequence</c> always names the thread's first message.</summary>
public sealed class ThreadTests(CommunityAppFactory app) : IClassFixture<CommunityAppFactory>
{
    [Fact]
    public async Task ReplyToAReply_JoinsTheRootThread_CountedOnTheRootAndListedByGetThread()
    {
        await using var author = await app.ConnectClientAsync(Customer);
        await using var member = await app.ConnectClientAsync(Member);
        await using var manager = await app.ConnectClientAsync(Manager);
        await using var observer = await app.ConnectClientAsync(Customer2);
        using var api = await app.CreateApiClientAsync(Customer2);
        await observer.JoinRoomAsync(Feedback);

        var root = await author.SendAsync(Feedback, "Wish: a pause button per folder.");
        var reply = await member.SendReplyAsync(Feedback, "Yes please, for my photos folder.", root.Sequence);
        var replyToReply = await manager.SendReplyAsync(Feedback, "Noted for both of you.", reply.Sequence);

        Assert.Equal(root.Sequence, reply.ReplyToSequence);
        Assert.Equal(root.Sequence, replyToReply.ReplyToSequence);
        Assert.Equal(replyToReply, await observer.Events.MessageReceived.NextMatchingAsync(m => m.Id == replyToReply.Id));

        var thread = await observer.GetThreadAsync(Feedback, root.Sequence);
        var fromReply = await observer.GetThreadAsync(Feedback, replyToReply.Sequence);
        var overRest = await api.GetFromJsonAsync<ThreadView>(new Uri($"/api/rooms/{Feedback}/messages/{reply.Sequence}/thread", UriKind.Relative));

        Assert.Equal(root.Id, thread.Root.Id);
        Assert.Equal(2, thread.Root.ReplyCount);
        Assert.Equal([reply, replyToReply], thread.Replies);
        Assert.False(thread.HasMore);
        Assert.Equal(thread.Root, fromReply.Root);
        Assert.Equal(thread.Replies, fromReply.Replies);
        Assert.NotNull(overRest);
        Assert.Equal(thread.Root, overRest.Root);
        Assert.Equal(thread.Replies, overRest.Replies);
        Assert.Equal(2, (await api.FindInHistoryAsync(Feedback, root.Id)).ReplyCount);
    }

    [Fact]
    public async Task ThreadReply_NotifiesTheRootsAuthorOnly()
    {
        await using var author = await app.ConnectClientAsync(Customer2);
        await using var member = await app.ConnectClientAsync(Member);
        await using var manager = await app.ConnectClientAsync(Manager);

        var root = await author.SendAsync(General, "Does Nimbus keep old versions of files?");
        var reply = await member.SendReplyAsync(General, "30 days on the free plan.", root.Sequence);
        var replyToReply = await manager.SendReplyAsync(General, "And 180 days on Pro.", reply.Sequence);

        var first = await author.Seen.NotificationReceived.NextAsync();
        var second = await author.Seen.NotificationReceived.NextAsync();
        Assert.Equal((NotificationKind.ThreadReply, reply.Sequence, "Priya Nair"), (first.Notification.Kind, first.Notification.Sequence, first.Notification.ActorName));
        Assert.Equal((NotificationKind.ThreadReply, replyToReply.Sequence, "Maya Chen"), (second.Notification.Kind, second.Notification.Sequence, second.Notification.ActorName));
        Assert.Equal(first.Unread + 1, second.Unread);

        // The reply's author is not the thread's: the manager's answer does not notify them. A later mention is the barrier.
        var sentinel = await author.SendAsync(General, "Thanks @Priya Nair!");
        Assert.Equal(sentinel.Sequence, (await member.Seen.NotificationReceived.NextAsync()).Notification.Sequence);
    }

    [Fact]
    public async Task Reply_ToAMessageTheRoomDoesNotHave_IsRefused()
    {
        await using var client = await app.ConnectClientAsync(Customer);

        await HubAssert.RefusedAsync(() => client.SendReplyAsync(Feedback, "Hello?", 999_999), "There is no message 999999 in this room to reply to.");
        await HubAssert.RefusedAsync(() => client.GetThreadAsync(Feedback, 999_999), "There is no message 999999 in this room.");
    }
}
