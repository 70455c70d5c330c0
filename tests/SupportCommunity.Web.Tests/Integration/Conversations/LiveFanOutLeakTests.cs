using static SupportCommunity.Web.Tests.Integration.Accounts;

namespace SupportCommunity.Web.Tests.Integration.Conversations;

/// <summary>
/// Live fan-out: while the manager, an agent and a customer converse privately and staff write notes (sends, thread
/// replies, edits, deletions, read marks, typing), outsiders connected to the public rooms (another customer, the
/// volunteer moderator of an unrelated room, a trusted member), who also tried to join the private rooms, receive no
/// event about them; the customer receives the conversation but no event about the notes. Every event each connection
/// receives is recorded; a public sentinel that @mentions everyone, sent last, is the barrier: once its notification
/// is in, everything sent before it is in too (one ordered pipeline per connection).
/// </summary>
public sealed class LiveFanOutLeakTests(CommunityAppFactory app) : IClassFixture<CommunityAppFactory>
{
    [Fact]
    public async Task PrivateConversationAndNotes_WhileActive_ReachNoOutsiderAndNoNoteReachesTheCustomer()
    {
        var tag = Guid.NewGuid().ToString("N")[..10];
        string Secret(string name) => $"SECRET{tag}{name}";
        await using var manager = await app.ConnectClientAsync(Manager);
        await using var agent = await app.ConnectClientAsync(Agent);
        await using var customer = await app.ConnectClientAsync(Customer);
        await using var customer2 = await app.ConnectClientAsync(Customer2);
        await using var moderator = await app.ConnectClientAsync(Moderator);
        await using var member = await app.ConnectClientAsync(Member);
        CommunityClient[] outsiders = [customer2, moderator, member];
        foreach (var outsider in outsiders)
        {
            await outsider.JoinRoomAsync(General);
            await outsider.JoinRoomAsync(Billing);
        }

        await customer.JoinRoomAsync(Billing);
        var question = await customer.SendAsync(Billing, $"Question {tag}: I was charged twice this month.");
        var conversation = await manager.ReplyPrivatelyAsync(Billing, question.Sequence);
        var notes = conversation.NotesSlug!;
        foreach (var outsider in outsiders)
        {
            await HubAssert.RefusedAsync(() => outsider.JoinRoomAsync(conversation.Slug), "There is no room");
            await HubAssert.RefusedAsync(() => outsider.JoinRoomAsync(notes), "There is no room");
            await HubAssert.RefusedAsync(() => outsider.JoinRoomAsync(notes, afterSequence: 1), "There is no room");
        }

        await customer.JoinRoomAsync(conversation.Slug);
        await HubAssert.RefusedAsync(() => customer.JoinRoomAsync(notes), "There is no room");
        await manager.JoinRoomAsync(General);
        foreach (var staff in new[] { manager, agent })
        {
            await staff.JoinRoomAsync(conversation.Slug);
            await staff.JoinRoomAsync(notes);
        }

        // The private traffic, each text with its own secret and @mentions of the outsiders (and, in notes, the customer).
        var staffMessage = await manager.SendAsync(conversation.Slug, $"{Secret("C1")} Which card? @Casey Brooks @Theo Ruiz @Priya Nair");
        var customerMessage = await customer.SendAsync(conversation.Slug, $"{Secret("C2")} The one ending 4242. @Casey Brooks");
        await customer.SendReplyAsync(conversation.Slug, $"{Secret("C3")} Also my old address. @Theo Ruiz", staffMessage.Sequence);
        var note = await manager.SendAsync(notes, $"{Secret("N1")} @Jordan Lee is a VIP, @Casey Brooks @Theo Ruiz @Priya Nair");
        var noteReply = await agent.SendReplyAsync(notes, $"{Secret("N2")} Refunding @Jordan Lee now", note.Sequence);
        await manager.EditAsync(staffMessage.Id, $"{Secret("C4")} Which card, @Jordan Lee? @Casey Brooks");
        await manager.EditAsync(note.Id, $"{Secret("N3")} @Jordan Lee is a VIP (edited) @Casey Brooks");
        await agent.DeleteAsync(noteReply.Id);
        await customer.MarkReadAsync(conversation.Slug, customerMessage.Sequence);
        await manager.MarkReadAsync(notes, note.Sequence);
        await customer.TypingAsync(conversation.Slug);
        await manager.TypingAsync(notes);

        var sentinel = $"Sentinel {tag}: hello @Casey Brooks, @Theo Ruiz, @Priya Nair and @Jordan Lee";
        var sentinelMessage = await manager.SendAsync(General, sentinel);

        string[] conversationSecrets = [Secret("C1"), Secret("C2"), Secret("C3"), Secret("C4")];
        string[] noteSecrets = [Secret("N1"), Secret("N2"), Secret("N3")];
        foreach (var outsider in outsiders)
        {
            var seen = await outsider.Seen.All.UntilAsync(e => e.Name == "NotificationReceived" && e.Contains($"Sentinel {tag}"));

            // The observer really was listening: the public marker and the public sentinel arrived...
            Assert.Contains(seen, e => e.Name == "MessageUpdated" && e.Contains(question.Body!) && e.Contains("\"helpedPrivately\":true"));
            Assert.Contains(seen, e => e.Name == "MessageReceived" && e.Contains(sentinelMessage.Body!));
            // ...and nothing of the private rooms did, by any event.
            Assert.DoesNotContain(seen, e => e.Contains("SECRET" + tag) || e.Contains(conversation.Slug));
        }

        var atCustomer = await customer.Seen.All.UntilAsync(e => e.Name == "NotificationReceived" && e.Contains($"Sentinel {tag}"));
        Assert.All(conversationSecrets, secret => Assert.Contains(atCustomer, e => e.Contains(secret)));
        Assert.Contains(atCustomer, e => e.Name == "ReadStateChanged" && e.Contains(conversation.Slug));
        Assert.DoesNotContain(atCustomer, e => e.Contains(notes) || noteSecrets.Any(e.Contains));

        // Positive control on the staff side: the notes did fan out, to the staff who joined them.
        var atManager = await manager.Seen.All.UntilAsync(e => e.Name == "MessageReceived" && e.Contains($"Sentinel {tag}"));
        Assert.All(noteSecrets, secret => Assert.Contains(atManager, e => e.Contains(secret)));
    }

    [Fact]
    public async Task Customer_MentionedInStaffNotes_IsNeverNotifiedButIsForTheConversation()
    {
        var tag = Guid.NewGuid().ToString("N")[..10];
        await using var manager = await app.ConnectClientAsync(Manager);
        await using var customer = await app.ConnectClientAsync(Customer2);
        var question = await customer.SendAsync(General, $"Question {tag}: where do I change my plan?");
        var conversation = await manager.ReplyPrivatelyAsync(General, question.Sequence);
        var unreadBefore = (await customer.GetNotificationsAsync()).Unread;

        await manager.SendAsync(conversation.NotesSlug!, $"Note {tag}: @Casey Brooks asked twice before.");
        var reply = await manager.SendAsync(conversation.Slug, $"Reply {tag}: Settings → Plan, @Casey Brooks.");

        // The conversation's message is the barrier: notes were sent first, through the same ordered pipeline.
        var seen = await customer.Seen.NotificationReceived.UntilAsync(n => n.Notification.Sequence == reply.Sequence && n.Notification.RoomSlug == conversation.Slug);
        var notified = Assert.Single(seen);
        Assert.Equal(unreadBefore + 1, notified.Unread);
        var page = await customer.GetNotificationsAsync();
        Assert.DoesNotContain(page.Items, n => n.Excerpt.Contains($"Note {tag}", StringComparison.Ordinal));
        Assert.Equal(unreadBefore + 1, page.Unread);
    }
}
