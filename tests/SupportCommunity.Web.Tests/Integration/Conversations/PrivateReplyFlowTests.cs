using System.Net;
using System.Net.Http.Json;
using SupportCommunity.Notifications;
using static SupportCommunity.Web.Tests.Integration.Accounts;

namespace SupportCommunity.Web.Tests.Integration.Conversations;

/// <summary>Public question → private help → public summary, over the hub, as independent clients see it.</summary>
public sealed class PrivateReplyFlowTests(CommunityAppFactory app) : IClassFixture<CommunityAppFactory>
{
    [Fact]
    public async Task ReplyPrivately_Twice_ReturnsTheSameConversationAndMarksTheQuestionLiveOnce()
    {
        await using var customer = await app.ConnectClientAsync(Customer2);
        await using var manager = await app.ConnectClientAsync(Manager);
        await using var agent = await app.ConnectClientAsync(Agent);
        await using var observer = await app.ConnectClientAsync(Member);
        using var api = await app.CreateApiClientAsync(Member);
        await observer.JoinRoomAsync(General);
        var question = await customer.SendAsync(General, "My account shows someone else's devices. Help?");

        var opened = await manager.ReplyPrivatelyAsync(General, question.Sequence);
        var again = await manager.ReplyPrivatelyAsync(General, question.Sequence);
        var byAgent = await agent.ReplyPrivatelyAsync(General, question.Sequence);

        Assert.Equal(opened, again);
        Assert.Equal(opened, byAgent);
        Assert.StartsWith("private-", opened.Slug, StringComparison.Ordinal);
        Assert.Equal(opened.Slug + "-notes", opened.NotesSlug);
        Assert.Equal(("Casey Brooks", General, question.Sequence, question.Body), (opened.CustomerName, opened.SourceRoomSlug, opened.SourceSequence, opened.SourceExcerpt));
        Assert.False(opened.SummaryOptOut);

        var sentinel = await customer.SendAsync(General, "Thanks, I'll wait for your message.");
        var seen = await observer.Events.MessageUpdated.NextAsync();
        Assert.Equal(question.Id, seen.Id);
        Assert.True(seen.HelpedPrivately);
        Assert.Equal(question.Body, seen.Body);
        Assert.True(seen.Revision > question.Revision);
        // Opened three times, announced once: one update arrived before the later message did.
        var upToSentinel = await observer.Seen.All.UntilAsync(e => e.Name == "MessageReceived" && e.Contains(sentinel.Body!));
        Assert.Single(upToSentinel, e => e.Name == "MessageUpdated");
        Assert.True((await api.FindInHistoryAsync(General, question.Id)).HelpedPrivately);

        var listed = Assert.Single(await customer.ListConversationsAsync(), c => c.Slug == opened.Slug);
        Assert.Null(listed.NotesSlug);
    }

    [Fact]
    public async Task PrivateReply_ReachesTheCustomerLiveAndCountsAsUnread()
    {
        await using var customer = await app.ConnectClientAsync(Customer);
        await using var manager = await app.ConnectClientAsync(Manager);
        var question = await customer.SendAsync(Billing, "Can I get an invoice with my company name?");
        var conversation = await manager.ReplyPrivatelyAsync(Billing, question.Sequence);
        await customer.JoinRoomAsync(conversation.Slug);

        var reply = await manager.SendAsync(conversation.Slug, "Sure, what is the company's name and VAT number?");

        Assert.Equal(reply, await customer.Events.MessageReceived.NextAsync());
        var notified = await customer.Seen.NotificationReceived.NextAsync();
        Assert.Equal((NotificationKind.PrivateReply, conversation.Slug, reply.Sequence), (notified.Notification.Kind, notified.Notification.RoomSlug, notified.Notification.Sequence));
        var listed = Assert.Single(await customer.ListConversationsAsync(), c => c.Slug == conversation.Slug);
        Assert.Equal(1, listed.Unread);
        Assert.Equal(reply.Sequence, listed.LastSequence);

        await customer.MarkReadAsync(conversation.Slug, reply.Sequence);
        Assert.Equal(0, (await customer.GetConversationAsync(conversation.Slug)).Unread);
    }

    [Fact]
    public async Task PostPublicSummary_PostsAReplyUnderTheQuestionThatGeneralSeesLive()
    {
        await using var customer = await app.ConnectClientAsync(Customer2);
        await using var manager = await app.ConnectClientAsync(Manager);
        await using var observer = await app.ConnectClientAsync(Member);
        await observer.JoinRoomAsync(General);
        var question = await customer.SendAsync(General, "Sync keeps asking me to sign in again.");
        var conversation = await manager.ReplyPrivatelyAsync(General, question.Sequence);
        await manager.SendAsync(conversation.Slug, "Your session token was revoked after the password reset; sign out everywhere once.");

        var summary = await manager.PostPublicSummaryAsync(conversation.Slug, "Solved privately: after a password reset, sign out of every device once.");

        Assert.Equal((General, question.Sequence, "Maya Chen"), (summary.RoomSlug, summary.ReplyToSequence, summary.AuthorName));
        Assert.Equal(summary, await observer.Events.MessageReceived.NextMatchingAsync(m => m.Id == summary.Id));
        var thread = await observer.GetThreadAsync(General, question.Sequence);
        Assert.Equal(summary, Assert.Single(thread.Replies));
        Assert.Equal(1, thread.Root.ReplyCount);
        var notified = await customer.Seen.NotificationReceived.NextMatchingAsync(n => n.Notification.Sequence == summary.Sequence && n.Notification.RoomSlug == General);
        Assert.Equal((NotificationKind.ThreadReply, General), (notified.Notification.Kind, notified.Notification.RoomSlug));
    }

    [Fact]
    public async Task PostPublicSummary_AfterTheCustomerOptedOut_IsRefusedAndNothingIsStored()
    {
        await using var customer = await app.ConnectClientAsync(Customer2);
        await using var manager = await app.ConnectClientAsync(Manager);
        using var api = await app.CreateApiClientAsync(Manager);
        var question = await customer.SendAsync(Billing, "Please close my account and delete my data.");
        var conversation = await manager.ReplyPrivatelyAsync(Billing, question.Sequence);

        await HubAssert.RefusedAsync(() => manager.SetSummaryOptOutAsync(conversation.Slug, true), "Only the customer can choose this.");
        var optedOut = await customer.SetSummaryOptOutAsync(conversation.Slug, true);
        Assert.True(optedOut.SummaryOptOut);
        Assert.True((await manager.GetConversationAsync(conversation.Slug)).SummaryOptOut);
        var last = await api.GetLastSequenceAsync(Billing);

        const string Refusal = "The customer asked not to have a public summary of this conversation.";
        await HubAssert.RefusedAsync(() => manager.PostPublicSummaryAsync(conversation.Slug, "Summary: account closed."), Refusal);
        using var response = await api.PostAsJsonAsync(
            new Uri($"/api/conversations/{conversation.Slug}/summary", UriKind.Relative), new { clientMessageId = Guid.NewGuid(), body = "Summary: account closed." });
        Assert.Equal(Refusal, (await response.ReadProblemAsync(HttpStatusCode.Conflict)).Detail);

        Assert.Equal(last, await api.GetLastSequenceAsync(Billing));
        Assert.Empty(await manager.SearchAsync(Billing, "account closed"));
        Assert.Equal(0, (await manager.GetThreadAsync(Billing, question.Sequence)).Root.ReplyCount);

        // Changing their mind allows it again.
        await customer.SetSummaryOptOutAsync(conversation.Slug, false);
        var summary = await manager.PostPublicSummaryAsync(conversation.Slug, "Summary: account closed on request.");
        Assert.Equal(question.Sequence, summary.ReplyToSequence);
    }

    [Theory]
    [InlineData(Customer)]
    [InlineData(Member)]
    public async Task ReplyPrivately_AsNonStaff_IsRefusedAndOpensNothing(string caller)
    {
        await using var asker = await app.ConnectClientAsync(Customer2);
        await using var client = await app.ConnectClientAsync(caller);
        await using var manager = await app.ConnectClientAsync(Manager);
        using var api = await app.CreateApiClientAsync(caller);
        var question = await asker.SendAsync(General, "Is there a family plan?");

        await HubAssert.RefusedAsync(() => client.ReplyPrivatelyAsync(General, question.Sequence), "Only staff can reply privately.");
        using var response = await api.PostAsync(new Uri($"/api/rooms/{General}/messages/{question.Sequence}/reply-privately", UriKind.Relative), null);
        Assert.Equal("Only staff can reply privately.", (await response.ReadProblemAsync(HttpStatusCode.Forbidden)).Detail);

        Assert.DoesNotContain(await manager.ListConversationsAsync(), c => c.SourceRoomSlug == General && c.SourceSequence == question.Sequence);
        Assert.False((await api.FindInHistoryAsync(General, question.Id)).HelpedPrivately);
    }

    [Fact]
    public async Task ReplyPrivately_AsVolunteerModeratorOutsideTheirRoom_IsRefused_InsideItIsAllowed()
    {
        await using var asker = await app.ConnectClientAsync(Customer);
        await using var moderator = await app.ConnectClientAsync(Moderator);
        var inBilling = await asker.SendAsync(Billing, "Why did my price go up?");
        var inGeneral = await asker.SendAsync(General, "Why is my laptop not syncing?");

        await HubAssert.RefusedAsync(() => moderator.ReplyPrivatelyAsync(Billing, inBilling.Sequence), "Only staff can reply privately.");
        var opened = await moderator.ReplyPrivatelyAsync(General, inGeneral.Sequence);

        Assert.Equal(General, opened.SourceRoomSlug);
        Assert.NotNull(opened.NotesSlug);
    }

    [Fact]
    public async Task ReplyPrivately_OnStaffMessage_And_PostPublicSummary_ByTheCustomer_AreRefused()
    {
        await using var customer = await app.ConnectClientAsync(Customer);
        await using var manager = await app.ConnectClientAsync(Manager);
        var staffMessage = await manager.SendAsync(General, "Maintenance tonight at 22:00 UTC.");
        var question = await customer.SendAsync(General, "Will my uploads pause during maintenance?");
        var conversation = await manager.ReplyPrivatelyAsync(General, question.Sequence);

        await HubAssert.RefusedAsync(() => manager.ReplyPrivatelyAsync(General, staffMessage.Sequence), "Reply privately is for customers' messages.");
        await HubAssert.RefusedAsync(() => customer.PostPublicSummaryAsync(conversation.Slug, "Summary by me"), "Only staff can post a public summary.");
    }
}
