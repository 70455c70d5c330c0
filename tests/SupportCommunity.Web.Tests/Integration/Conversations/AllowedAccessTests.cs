using System.Net;
using System.Net.Http.Json;
using SupportCommunity.Conversations;
using SupportCommunity.Messages;
using static SupportCommunity.Web.Tests.Integration.Accounts;

namespace SupportCommunity.Web.Tests.Integration.Conversations;

/// <summary>
/// The other side of the leak tests: those who may read a conversation can, on every path; the conversation's customer
/// reads and writes in it, catches up on it, and still never gets a staff note.
/// </summary>
[Collection(PrivateConversationGroup.Name)]
public sealed class AllowedAccessTests(PrivateConversationScenario scenario)
{
    [Fact]
    public async Task Customer_JoinsOwnConversationAndCatchesUp_GetsItsMessagesButNoNote()
    {
        await using var customer = await scenario.App.ConnectClientAsync(Customer);

        var first = await customer.JoinRoomAsync(scenario.A.Slug);
        var caughtUp = await customer.JoinRoomAsync(scenario.A.Slug, afterSequence: scenario.AStaffMessage.Sequence);

        Assert.Contains(first.Messages, m => m.Id == scenario.AStaffMessage.Id);
        Assert.Contains(first.Messages, m => m.Id == scenario.ACustomerMessage.Id);
        Assert.Contains(first.Messages, m => m.Id == scenario.AThreadReply.Id);
        Assert.False(caughtUp.Reset);
        Assert.Contains(caughtUp.Messages, m => m.Id == scenario.ACustomerMessage.Id);
        Assert.Contains(caughtUp.Messages, m => m.Id == scenario.AThreadReply.Id);
        AssertNoNote(first.Messages.Concat(caughtUp.Messages));
        await HubAssert.RefusedAsync(() => customer.JoinRoomAsync(scenario.ANotes, afterSequence: 1), "There is no room");
    }

    [Fact]
    public async Task Customer_ReadsOwnConversationOnEveryHubPath_GetsNoNote()
    {
        await using var customer = await scenario.App.ConnectClientAsync(Customer);

        var history = await customer.GetHistoryAsync(scenario.A.Slug, limit: 100);
        var thread = await customer.GetThreadAsync(scenario.A.Slug, scenario.AThreadReply.Sequence);
        var found = await customer.SearchAsync(scenario.A.Slug, scenario.SecretPrefix);
        var conversation = await customer.GetConversationAsync(scenario.A.Slug);

        Assert.Contains(history.Messages, m => m.Id == scenario.ACustomerMessage.Id);
        Assert.Equal(scenario.AStaffMessage.Id, thread.Root.Id);
        Assert.Contains(thread.Replies, m => m.Id == scenario.AThreadReply.Id);
        Assert.Equal(
            new[] { scenario.AStaffMessage.Id, scenario.ACustomerMessage.Id, scenario.AThreadReply.Id }.Order(),
            found.Select(m => m.Id).Order());
        Assert.Null(conversation.NotesSlug);
        Assert.Equal(Billing, conversation.SourceRoomSlug);
        Assert.Equal(scenario.AQuestion.Sequence, conversation.SourceSequence);
        AssertNoNote(history.Messages.Concat(thread.Replies).Append(thread.Root).Concat(found));
    }

    [Fact]
    public async Task Customer_ReadsOwnConversationOverRest_GetsNoNote()
    {
        using var api = await scenario.App.CreateApiClientAsync(Customer);
        var room = "/api/rooms/" + scenario.A.Slug;

        var texts = new[]
        {
            await api.GetStringAsync(new Uri(room + "/messages?limit=100", UriKind.Relative)),
            await api.GetStringAsync(new Uri(room + "/messages/search?q=" + scenario.SecretPrefix, UriKind.Relative)),
            await api.GetStringAsync(new Uri($"{room}/messages/{scenario.AStaffMessage.Sequence}/thread", UriKind.Relative)),
            await api.GetStringAsync(new Uri("/api/conversations/" + scenario.A.Slug, UriKind.Relative)),
            await api.GetStringAsync(new Uri("/api/conversations", UriKind.Relative)),
            await api.GetStringAsync(new Uri("/api/notifications", UriKind.Relative)),
        };

        Assert.Contains(scenario.Secret("A1"), texts[0], StringComparison.Ordinal);
        Assert.Contains(scenario.Secret("A2"), texts[1], StringComparison.Ordinal);
        Assert.Contains(scenario.Secret("A3"), texts[2], StringComparison.Ordinal);
        Assert.All(texts, text =>
        {
            Assert.DoesNotContain("-notes", text, StringComparison.Ordinal);
            Assert.All(scenario.NoteSecrets, secret => Assert.DoesNotContain(secret, text, StringComparison.Ordinal));
        });
    }

    [Fact]
    public async Task Customer_SendsInOwnConversationOverHubAndRest_StaffReceiveItLive()
    {
        await using var manager = await scenario.App.ConnectClientAsync(Manager);
        await using var customer = await scenario.App.ConnectClientAsync(Customer);
        using var api = await scenario.App.CreateApiClientAsync(Customer);
        await manager.JoinRoomAsync(scenario.A.Slug);
        await customer.JoinRoomAsync(scenario.A.Slug);

        var overHub = await customer.SendAsync(scenario.A.Slug, "Here is the screenshot you asked for.");
        using var response = await api.PostMessageAsync(scenario.A.Slug, "And the invoice number is INV-2026-118.");
        var overRest = await response.Content.ReadFromJsonAsync<MessageDto>();

        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        Assert.NotNull(overRest);
        Assert.Equal(overHub.Sequence + 1, overRest.Sequence);
        Assert.Equal(overHub, await manager.Events.MessageReceived.NextMatchingAsync(m => m.Id == overHub.Id));
        Assert.Equal(overRest, await manager.Events.MessageReceived.NextMatchingAsync(m => m.Id == overRest.Id));
        Assert.Equal(overRest, await customer.Events.MessageReceived.NextMatchingAsync(m => m.Id == overRest.Id));
    }

    public static TheoryData<string, string> Readers() => new()
    {
        { Manager, "A" }, { Agent, "A" }, { Admin, "A" },
        { Manager, "B" }, { Agent, "B" }, { Moderator, "B" },
    };

    [Theory]
    [MemberData(nameof(Readers))]
    public async Task Staff_ReadConversationAndNotesOnEveryPath(string caller, string conversation)
    {
        var slug = scenario.Slug(conversation);
        var notes = scenario.Slug(conversation + "-notes");
        var note = scenario.Message(conversation + "-note");
        var staffMessage = scenario.Message(conversation + "-staff");
        await using var hub = await scenario.App.ConnectClientAsync(caller);
        using var api = await scenario.App.CreateApiClientAsync(caller);

        var joined = await hub.JoinRoomAsync(slug);
        var joinedNotes = await hub.JoinRoomAsync(notes, afterSequence: 0);
        var notesHistory = await api.GetHistoryAsync(notes, limit: 100);
        var notesThread = await hub.GetThreadAsync(notes, note.Sequence);
        var notesFound = await hub.SearchAsync(notes, scenario.SecretPrefix);
        var described = await hub.GetConversationAsync(slug);

        Assert.Contains(joined.Messages, m => m.Id == staffMessage.Id);
        Assert.Contains(joinedNotes.Messages, m => m.Id == note.Id);
        Assert.Contains(notesHistory.Messages, m => m.Id == note.Id);
        Assert.Equal(note.Id, notesThread.Root.Id);
        Assert.Contains(notesFound, m => m.Id == note.Id);
        Assert.Equal(notes, described.NotesSlug);
        await HubAssert.RefusedAsync(() => hub.GetConversationAsync(notes), "There is no room");
    }

    [Fact]
    public async Task Staff_WriteNotes_OtherStaffReceiveThemLive()
    {
        await using var manager = await scenario.App.ConnectClientAsync(Manager);
        await using var agent = await scenario.App.ConnectClientAsync(Agent);
        await manager.JoinRoomAsync(scenario.ANotes);

        var note = await agent.SendReplyAsync(scenario.ANotes, "Escalated to billing, ticket 4411.", scenario.ANote.Sequence);

        Assert.Equal(scenario.ANote.Sequence, note.ReplyToSequence);
        Assert.Equal(note, await manager.Events.MessageReceived.NextMatchingAsync(m => m.Id == note.Id));
    }

    private void AssertNoNote(IEnumerable<MessageDto> messages)
    {
        foreach (var message in messages)
        {
            Assert.Equal(scenario.A.Slug, message.RoomSlug);
            Assert.All(scenario.NoteSecrets, secret => Assert.DoesNotContain(secret, message.Body ?? "", StringComparison.Ordinal));
        }
    }
}
