using Microsoft.EntityFrameworkCore;
using SupportCommunity.Conversations;
using SupportCommunity.Core.Tests.Events;
using SupportCommunity.Events;
using SupportCommunity.Notifications;
using SupportCommunity.Tickets;
using SupportCommunity.Webhooks;

namespace SupportCommunity.Core.Tests.Tickets;

public sealed class EscalationTests : IAsyncLifetime
{
    private readonly TicketDatabase _t = new();

    public Task InitializeAsync() => _t.InitializeAsync();

    public Task DisposeAsync() => _t.DisposeAsync();

    [Fact]
    public async Task Escalate_Message_CopiesItsThreadAndKeepsTheTranscriptAfterEditsAndDeletions()
    {
        var question = await _t.SayAsync(_t.Customer, "My sync is **stuck** since 4.2.0");
        await _t.SayAsync(_t.OtherCustomer, "Unrelated chatter");
        var answer = await _t.SayAsync(_t.Manager, "Try Settings → Sync → Resume all", question.Sequence);
        var followUp = await _t.SayAsync(_t.Customer, "Didn't help 😕", question.Sequence);

        var result = await _t.EscalateAsync(answer.Sequence);

        Assert.True(result.Created);
        var expected = new[]
        {
            (question.Sequence, "Jordan Lee", "My sync is **stuck** since 4.2.0"),
            (answer.Sequence, "Maya Chen", "Try Settings → Sync → Resume all"),
            (followUp.Sequence, "Jordan Lee", "Didn't help 😕"),
        };
        Assert.Equal(expected, result.Ticket.Transcript.Select(l => (l.Sequence, l.AuthorName, l.Body)));
        Assert.Equal(_t.Customer.UserId, result.Ticket.Summary.RequesterId); // the staff answer's thread belongs to the customer

        // The source changes afterwards: the transcript does not.
        await _t.Messages.EditAsync(_t.Customer, question.Id, "edited away");
        await _t.Messages.DeleteAsync(_t.Customer, followUp.Id);
        await _t.Messages.ModerateDeleteAsync(_t.Manager, answer.Id, "cleanup of the thread");

        var again = await _t.Tickets.GetAsync(_t.Agent, result.Ticket.Number);
        Assert.Equal(expected, again.Transcript.Select(l => (l.Sequence, l.AuthorName, l.Body)));
        Assert.All(again.Transcript, l => Assert.Null(l.EditedAt));
    }

    [Fact]
    public async Task Escalate_TwiceTheSameThread_ReturnsTheOpenTicket_UnlessForced()
    {
        var question = await _t.SayAsync(_t.Customer, "Refund please");
        var reply = await _t.SayAsync(_t.Customer, "It was charged twice", question.Sequence);

        var first = await _t.EscalateAsync(question.Sequence);
        var second = await _t.EscalateAsync(reply.Sequence, "Another subject");
        var forced = await _t.EscalateAsync(question.Sequence, force: true);

        Assert.True(first.Created);
        Assert.False(second.Created);
        Assert.Equal(first.Ticket.Number, second.Ticket.Number);
        Assert.True(forced.Created);
        Assert.NotEqual(first.Ticket.Number, forced.Ticket.Number);
        await using var db = await _t.Database.CreateDbContextAsync();
        Assert.Equal(2, await db.Tickets.CountAsync());
    }

    [Fact]
    public async Task Escalate_ConcurrentlyTheSameThread_StoresOneTicket()
    {
        var question = await _t.SayAsync(_t.Customer, "Refund please");

        var results = await Task.WhenAll(Enumerable.Range(0, 6).Select(_ => Task.Run(() => _t.EscalateAsync(question.Sequence))));

        Assert.Single(results.Select(r => r.Ticket.Number).Distinct());
        Assert.Single(results, r => r.Created);
        await using var db = await _t.Database.CreateDbContextAsync();
        Assert.Equal(1, await db.Tickets.CountAsync());
        Assert.Equal(1, await db.WebhookEvents.CountAsync(e => e.Type == WebhookEventTypes.TicketCreated));
    }

    [Fact]
    public async Task Escalate_AfterTheTicketIsSolved_OpensANewOne()
    {
        var question = await _t.SayAsync(_t.Customer, "Refund please");
        var first = await _t.EscalateAsync(question.Sequence);
        await _t.Tickets.ChangeStatusAsync(_t.Agent, first.Ticket.Number, TicketStatus.Solved, first.Ticket.Version);

        var second = await _t.EscalateAsync(question.Sequence);

        Assert.True(second.Created);
        Assert.NotEqual(first.Ticket.Number, second.Ticket.Number);
    }

    [Fact]
    public async Task Escalate_NumbersTicketsOneTwoThree()
    {
        var numbers = new List<int>();
        for (var i = 0; i < 3; i++)
        {
            var question = await _t.SayAsync(_t.Customer, $"Question {i}");
            numbers.Add((await _t.EscalateAsync(question.Sequence)).Ticket.Number);
        }

        Assert.Equal([1, 2, 3], numbers);
    }

    [Fact]
    public async Task Escalate_Conversation_CopiesItsLastMessages_AndPostsTheNoticeThere()
    {
        var question = await _t.SayAsync(_t.Customer, "Charged twice", room: "billing");
        var conversation = await _t.Database.Get<ConversationService>().OpenAsync(_t.Manager, "billing", question.Sequence);
        for (var i = 1; i <= 25; i++)
        {
            await _t.SayAsync(i % 2 == 0 ? _t.Manager : _t.Customer, $"line {i}", room: conversation.Slug);
        }

        using var customerEvents = new EventRecorder(_t.Database.Get<IRoomEventBus>(), UserChannel.For(_t.Customer.UserId));
        var result = await _t.Escalation.EscalateAsync(_t.Manager, new EscalateRequest(conversation.Slug, null, "Refund for a double charge", TicketPriority.High));

        Assert.Equal(TicketSourceKind.Conversation, result.Ticket.Source.Kind);
        Assert.Equal(_t.Customer.UserId, result.Ticket.Summary.RequesterId);
        Assert.Equal(Enumerable.Range(6, 20).Select(i => $"line {i}"), result.Ticket.Transcript.Select(l => l.Body));
        Assert.Equal($"conversations/{conversation.Slug}", result.Ticket.Source.Page);

        var history = await _t.Messages.GetHistoryAsync(_t.Customer, conversation.Slug, null, 5);
        var notice = history.Messages[^1];
        Assert.Contains($"ticket #{result.Ticket.Number}", notice.Body, StringComparison.Ordinal);
        Assert.Equal(_t.Manager.UserId, notice.AuthorId);

        // The requester hears of it live (their view: no SLA clocks), and their bell rings.
        var changed = await NextAsync<TicketChanged>(customerEvents);
        Assert.Null(changed.Ticket.FirstResponse);
        var bell = await NextAsync<NotificationAdded>(customerEvents, n => n.Notification.Kind == NotificationKind.Ticket);
        Assert.Equal(result.Ticket.Number, bell.Notification.Sequence);
        Assert.Equal(TicketChannels.Ticket(result.Ticket.Number), bell.Notification.RoomSlug);

        // The same conversation again, from another message of it: the same ticket, and no second notice.
        var again = await _t.Escalation.EscalateAsync(_t.Agent, new EscalateRequest(conversation.Slug, 3, "Again"));
        Assert.False(again.Created);
        Assert.Equal(result.Ticket.Number, again.Ticket.Number);
        var after = await _t.Messages.GetHistoryAsync(_t.Customer, conversation.Slug, null, 5);
        Assert.Equal(notice.Id, after.Messages[^1].Id);
    }

    [Fact]
    public async Task Escalate_Thread_PostsTheNoticeAsAReplyInTheThread()
    {
        var question = await _t.SayAsync(_t.Customer, "Charged twice");

        var result = await _t.EscalateAsync(question.Sequence);

        var thread = await _t.Messages.GetThreadAsync(_t.Customer, "general", question.Sequence);
        var notice = Assert.Single(thread.Replies);
        Assert.Contains($"ticket #{result.Ticket.Number}", notice.Body, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Escalate_ExplicitSequences_AreCopiedInOrder()
    {
        var a = await _t.SayAsync(_t.Customer, "a");
        await _t.SayAsync(_t.OtherCustomer, "b");
        var c = await _t.SayAsync(_t.Customer, "c");

        var result = await _t.EscalateAsync(a.Sequence, include: [c.Sequence, a.Sequence]);

        Assert.Equal(["a", "c"], result.Ticket.Transcript.Select(l => l.Body));
    }

    public static TheoryData<string?, TicketPriority, int, string> BadRequests() => new()
    {
        { "", TicketPriority.Normal, 1, "subject" },
        { "   \u200B ", TicketPriority.Normal, 1, "subject" },
        { new string('x', 201), TicketPriority.Normal, 1, "200" },
        { "ok", (TicketPriority)7, 1, "priority" },
        { "ok", TicketPriority.Normal, 201, "200 messages" },
    };

    [Theory]
    [MemberData(nameof(BadRequests))]
    public async Task Escalate_BadInput_IsRefusedAndStoresNothing(string? subject, TicketPriority priority, int sequences, string mentioned)
    {
        var question = await _t.SayAsync(_t.Customer, "Refund please");
        var include = sequences == 1 ? null : Enumerable.Range(1, sequences).Select(i => (long)i).ToList();

        var refusal = await Assert.ThrowsAsync<CommunityException>(() =>
            _t.Escalation.EscalateAsync(_t.Manager, new EscalateRequest("general", question.Sequence, subject, priority, IncludeSequences: include)));

        Assert.Equal(CommunityError.Invalid, refusal.Error);
        Assert.Contains(mentioned, refusal.Message, StringComparison.Ordinal);
        await using var db = await _t.Database.CreateDbContextAsync();
        Assert.Equal(0, await db.Tickets.CountAsync());
        Assert.Equal(0, await db.WebhookEvents.CountAsync());
    }

    [Fact]
    public async Task Escalate_DeletedOrForeignSequences_AreRefused()
    {
        var question = await _t.SayAsync(_t.Customer, "Refund please");
        var deleted = await _t.SayAsync(_t.Customer, "oops");
        await _t.Messages.DeleteAsync(_t.Customer, deleted.Id);

        var gone = await Assert.ThrowsAsync<CommunityException>(() => _t.EscalateAsync(question.Sequence, include: [question.Sequence, deleted.Sequence]));
        var missing = await Assert.ThrowsAsync<CommunityException>(() => _t.EscalateAsync(question.Sequence, include: [question.Sequence, 99]));

        Assert.Equal(CommunityError.Invalid, gone.Error);
        Assert.Equal(CommunityError.Invalid, missing.Error);
    }

    [Fact]
    public async Task Escalate_ByACustomer_IsForbidden()
    {
        var question = await _t.SayAsync(_t.Customer, "Refund please");

        var refusal = await Assert.ThrowsAsync<CommunityException>(() =>
            _t.Escalation.EscalateAsync(_t.OtherCustomer, new EscalateRequest("general", question.Sequence, "mine now")));

        Assert.Equal(CommunityError.Forbidden, refusal.Error);
    }

    [Fact]
    public async Task Escalate_AStaffOnlyThread_IsRefused()
    {
        var notice = await _t.SayAsync(_t.Manager, "Maintenance tonight");

        var refusal = await Assert.ThrowsAsync<CommunityException>(() => _t.EscalateAsync(notice.Sequence));

        Assert.Equal(CommunityError.Invalid, refusal.Error);
    }

    [Fact]
    public async Task Escalate_StoresTheAuditEntryAndTheWebhookEventWithTheTicket()
    {
        var question = await _t.SayAsync(_t.Customer, "Refund please");

        var result = await _t.EscalateAsync(question.Sequence);

        await using var db = await _t.Database.CreateDbContextAsync();
        var audit = await db.AuditEntries.SingleAsync(e => e.Action == TicketAuditActions.Escalate);
        Assert.Equal(_t.Customer.UserId, audit.TargetUserId);
        Assert.Contains($"#{result.Ticket.Number}", audit.Reason, StringComparison.Ordinal);
        var hook = await db.WebhookEvents.SingleAsync();
        Assert.Equal(WebhookEventTypes.TicketCreated, hook.Type);
        Assert.Contains($"\"number\":{result.Ticket.Number}", hook.Payload, StringComparison.Ordinal);
    }

    private static async Task<T> NextAsync<T>(EventRecorder recorder, Func<T, bool>? where = null) where T : RoomEvent
    {
        while (true)
        {
            if (await recorder.NextAsync() is T match && (where is null || where(match)))
            {
                return match;
            }
        }
    }
}
