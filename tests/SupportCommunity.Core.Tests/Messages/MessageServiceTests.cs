using Microsoft.EntityFrameworkCore;
using SupportCommunity.Identity;
using SupportCommunity.Messages;

namespace SupportCommunity.Core.Tests.Messages;

public sealed class MessageServiceTests : IAsyncLifetime
{
    private readonly CommunityDatabase _database = new(new() { ["Limits:FloodMessages"] = "1000", ["Limits:TrustedFloodMessages"] = "1000", ["Limits:FloodSpacing"] = "00:00:00" });
    private Actor _customer = default!;
    private Actor _other = default!;
    private Actor _manager = default!;

    private MessageService Messages => _database.Get<MessageService>();

    public async Task InitializeAsync()
    {
        await _database.InitializeAsync();
        await _database.AddRoomAsync("general");
        await _database.AddRoomAsync("billing");
        _customer = await _database.AddUserAsync("Jordan", CommunityRoles.Customer);
        _other = await _database.AddUserAsync("Casey", CommunityRoles.Customer);
        _manager = await _database.AddUserAsync("Maya", CommunityRoles.CommunityManager);
    }

    public Task DisposeAsync() => _database.DisposeAsync();

    [Fact]
    public async Task SendAsync_ConcurrentSenders_GetGapFreeSequences()
    {
        var senders = new[] { _customer, _other, _manager };
        var sends = Enumerable.Range(0, 60)
            .Select(i => Task.Run(() => Messages.SendAsync(senders[i % 3], "general", Guid.NewGuid(), $"message {i}")));

        var sent = await Task.WhenAll(sends);

        Assert.Equal(Enumerable.Range(1, 60).Select(i => (long)i), sent.Select(m => m.Sequence).Order());
        await using var db = await _database.CreateDbContextAsync();
        Assert.Equal(60, await db.Rooms.Where(r => r.Slug == "general").Select(r => r.LastSequence).SingleAsync());
    }

    [Fact]
    public async Task SendAsync_RoomsAreNumberedIndependently()
    {
        await Messages.SendAsync(_customer, "general", Guid.NewGuid(), "one");
        await Messages.SendAsync(_customer, "general", Guid.NewGuid(), "two");
        var billing = await Messages.SendAsync(_customer, "billing", Guid.NewGuid(), "first in billing");
        Assert.Equal(1, billing.Sequence);
    }

    [Fact]
    public async Task SendAsync_SameClientMessageIdTwice_StoresOnceAndReturnsTheStoredMessage()
    {
        var id = Guid.NewGuid();
        var first = await Messages.SendAsync(_customer, "general", id, "hello");
        var retry = await Messages.SendAsync(_customer, "general", id, "hello");

        Assert.Equal(first, retry);
        await using var db = await _database.CreateDbContextAsync();
        Assert.Equal(1, await db.Messages.CountAsync());
    }

    [Fact]
    public async Task SendAsync_SameClientMessageIdConcurrently_StoresOnce()
    {
        var id = Guid.NewGuid();
        var results = await Task.WhenAll(Enumerable.Range(0, 8).Select(_ => Task.Run(() => Messages.SendAsync(_customer, "general", id, "hi"))));

        Assert.Single(results.Select(r => r.Id).Distinct());
        await using var db = await _database.CreateDbContextAsync();
        Assert.Equal(1, await db.Messages.CountAsync());
    }

    [Fact]
    public async Task SendAsync_RetriesOfStoredSends_DoNotCountAgainstTheFloodLimit()
    {
        await using var database = new CommunityDatabase(new() { ["Limits:FloodMessages"] = "2" });
        await database.InitializeAsync();
        await database.AddRoomAsync("general");
        var customer = await database.AddUserAsync("Robin", CommunityRoles.Customer);
        var messages = database.Get<MessageService>();
        var first = Guid.NewGuid();
        var second = Guid.NewGuid();

        await messages.SendAsync(customer, "general", first, "one");
        await messages.SendAsync(customer, "general", second, "two");
        // A client resending its outbox after a reconnect: both already stored, neither is charged again.
        var retried = await Task.WhenAll(
            messages.SendAsync(customer, "general", first, "one"),
            messages.SendAsync(customer, "general", second, "two"));
        var third = await Assert.ThrowsAsync<CommunityException>(() => messages.SendAsync(customer, "general", Guid.NewGuid(), "three"));

        Assert.Equal([1L, 2L], retried.Select(m => m.Sequence));
        Assert.Equal(CommunityError.TooManyRequests, third.Error);
        await using var db = await database.CreateDbContextAsync();
        Assert.Equal(2, await db.Messages.CountAsync());
    }

    [Fact]
    public async Task SendAsync_SameClientMessageIdFromAnotherAuthor_IsANewMessage()
    {
        var id = Guid.NewGuid();
        var mine = await Messages.SendAsync(_customer, "general", id, "mine");
        var theirs = await Messages.SendAsync(_other, "general", id, "theirs");
        Assert.NotEqual(mine.Id, theirs.Id);
    }

    [Fact]
    public async Task SendAsync_ClientMessageIdReusedInAnotherRoom_IsAConflict()
    {
        var id = Guid.NewGuid();
        await Messages.SendAsync(_customer, "general", id, "hello");
        var refusal = await Assert.ThrowsAsync<CommunityException>(() => Messages.SendAsync(_customer, "billing", id, "hello"));
        Assert.Equal(CommunityError.Conflict, refusal.Error);
    }

    [Fact]
    public async Task SendAsync_BadInput_IsRefusedAndNothingIsStored()
    {
        await AssertRefused(CommunityError.Invalid, () => Messages.SendAsync(_customer, "general", Guid.Empty, "hello"));
        await AssertRefused(CommunityError.Invalid, () => Messages.SendAsync(_customer, "general", Guid.NewGuid(), "  "));
        await AssertRefused(CommunityError.TooLarge, () => Messages.SendAsync(_customer, "general", Guid.NewGuid(), new string('x', 4001)));
        await AssertRefused(CommunityError.NotFound, () => Messages.SendAsync(_customer, "nowhere", Guid.NewGuid(), "hello"));
        await AssertRefused(CommunityError.Invalid, () => Messages.SendAsync(_customer, "general", Guid.NewGuid(), "reply", replyToSequence: 5));

        await using var db = await _database.CreateDbContextAsync();
        Assert.Equal(0, await db.Messages.CountAsync());
        Assert.Equal(0, await db.Rooms.SumAsync(r => r.LastSequence));
    }

    [Fact]
    public async Task SendAsync_StoresNormalisedTextWithAuthorSnapshot()
    {
        var sent = await Messages.SendAsync(_manager, "general", Guid.NewGuid(), "  Cafe\u0301 \u202Eok\r\n ");
        Assert.Equal("Caf\u00E9 ok", sent.Body);
        Assert.Equal("Maya", sent.AuthorName);
        Assert.Equal(CommunityRoles.CommunityManager, sent.AuthorRole);
    }

    [Fact]
    public async Task EditAsync_Author_ChangesBodyAndMarksEdited()
    {
        var sent = await Messages.SendAsync(_customer, "general", Guid.NewGuid(), "helo");
        var edited = await Messages.EditAsync(_customer, sent.Id, "hello");

        Assert.Equal("hello", edited.Body);
        Assert.NotNull(edited.EditedAt);
        Assert.True(edited.Revision > sent.Revision);
        Assert.Equal(sent.Sequence, edited.Sequence);
    }

    [Fact]
    public async Task EditAsync_AnotherCustomer_IsForbiddenAndNothingChanges()
    {
        var sent = await Messages.SendAsync(_customer, "general", Guid.NewGuid(), "original");
        await AssertRefused(CommunityError.Forbidden, () => Messages.EditAsync(_other, sent.Id, "hijacked"));
        await AssertRefused(CommunityError.Forbidden, () => Messages.DeleteAsync(_other, sent.Id));

        var page = await Messages.GetHistoryAsync(_customer, "general", null, null);
        Assert.Equal("original", Assert.Single(page.Messages).Body);
    }

    [Fact]
    public async Task DeleteAsync_Manager_RemovesAnyMessageButKeepsTheRow()
    {
        var sent = await Messages.SendAsync(_customer, "general", Guid.NewGuid(), "rude words");
        var deleted = await Messages.DeleteAsync(_manager, sent.Id);

        Assert.True(deleted.Deleted);
        Assert.Null(deleted.Body);
        await using var db = await _database.CreateDbContextAsync();
        var row = await db.Messages.SingleAsync(m => m.Id == sent.Id);
        Assert.Equal("rude words", row.Body);
        Assert.Equal(_manager.UserId, row.DeletedById);
    }

    [Fact]
    public async Task EditAsync_DeletedMessage_IsAConflict()
    {
        var sent = await Messages.SendAsync(_customer, "general", Guid.NewGuid(), "x");
        await Messages.DeleteAsync(_customer, sent.Id);
        await AssertRefused(CommunityError.Conflict, () => Messages.EditAsync(_customer, sent.Id, "y"));
    }

    [Fact]
    public async Task EditAsync_UnknownMessage_IsNotFound() =>
        await AssertRefused(CommunityError.NotFound, () => Messages.EditAsync(_customer, 999_999, "y"));

    [Fact]
    public async Task GetHistoryAsync_PagesByKeysetNewestLast()
    {
        for (var i = 1; i <= 7; i++)
        {
            await Messages.SendAsync(_customer, "general", Guid.NewGuid(), $"m{i}");
        }

        var latest = await Messages.GetHistoryAsync(_customer, "general", null, 3);
        Assert.Equal(["m5", "m6", "m7"], latest.Messages.Select(m => m.Body));
        Assert.True(latest.HasMore);

        var older = await Messages.GetHistoryAsync(_customer, "general", latest.Messages[0].Sequence, 3);
        Assert.Equal(["m2", "m3", "m4"], older.Messages.Select(m => m.Body));
        Assert.True(older.HasMore);

        var oldest = await Messages.GetHistoryAsync(_customer, "general", older.Messages[0].Sequence, 3);
        Assert.Equal(["m1"], oldest.Messages.Select(m => m.Body));
        Assert.False(oldest.HasMore);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(101)]
    [InlineData(-5)]
    public async Task GetHistoryAsync_LimitOutOfRange_IsInvalid(int limit) =>
        await AssertRefused(CommunityError.Invalid, () => Messages.GetHistoryAsync(_customer, "general", null, limit));

    [Fact]
    public async Task CatchUpAsync_AfterASeenSequence_ReturnsNewMessagesAndLaterChangesOnly()
    {
        var first = await Messages.SendAsync(_customer, "general", Guid.NewGuid(), "first");
        var second = await Messages.SendAsync(_customer, "general", Guid.NewGuid(), "second");
        var untouched = await Messages.SendAsync(_customer, "general", Guid.NewGuid(), "untouched");
        var seen = await Messages.SendAsync(_customer, "general", Guid.NewGuid(), "seen");

        // The client saw everything up to "seen"; then these happened while it was away.
        await Messages.EditAsync(_customer, first.Id, "first, edited");
        await Messages.DeleteAsync(_customer, second.Id);
        var fresh = await Messages.SendAsync(_other, "general", Guid.NewGuid(), "new while away");

        var snapshot = await Messages.CatchUpAsync(_customer, "general", seen.Sequence);

        Assert.False(snapshot.Reset);
        Assert.Equal([first.Sequence, second.Sequence, fresh.Sequence], snapshot.Messages.Select(m => m.Sequence));
        Assert.Equal("first, edited", snapshot.Messages[0].Body);
        Assert.True(snapshot.Messages[1].Deleted);
        Assert.Null(snapshot.Messages[1].Body);
        Assert.DoesNotContain(snapshot.Messages, m => m.Id == untouched.Id);
    }

    [Fact]
    public async Task CatchUpAsync_FromZero_ReturnsTheLatestPage()
    {
        for (var i = 1; i <= 60; i++)
        {
            await Messages.SendAsync(_customer, "general", Guid.NewGuid(), $"m{i}");
        }

        var snapshot = await Messages.CatchUpAsync(_customer, "general", 0);
        Assert.Equal(50, snapshot.Messages.Count);
        Assert.Equal(60, snapshot.Messages[^1].Sequence);
        Assert.True(snapshot.HasMore);
        Assert.False(snapshot.Reset);
        Assert.Equal(60, snapshot.Room.LastSequence);
    }

    [Fact]
    public async Task CatchUpAsync_MoreMissedThanOneCatchUpHolds_ComesInPagesThatChainWithoutGaps()
    {
        await using var database = new CommunityDatabase(new() { ["Limits:MaxCatchUp"] = "4", ["Limits:FloodMessages"] = "1000", ["Limits:FloodSpacing"] = "00:00:00" });
        await database.InitializeAsync();
        await database.AddRoomAsync("general");
        var author = await database.AddUserAsync("Writer", CommunityRoles.Customer);
        var messages = database.Get<MessageService>();
        var seen = await messages.SendAsync(author, "general", Guid.NewGuid(), "seen");
        var old = await messages.SendAsync(author, "general", Guid.NewGuid(), "old");
        var seenAfterOld = await messages.SendAsync(author, "general", Guid.NewGuid(), "seen too");
        for (var i = 0; i < 9; i++)
        {
            await messages.SendAsync(author, "general", Guid.NewGuid(), $"new {i}");
        }

        await messages.EditAsync(author, old.Id, "old, edited");

        var received = new SortedDictionary<long, MessageDto>();
        var after = seenAfterOld.Sequence;
        RoomSnapshot page;
        var pages = 0;
        do
        {
            page = await messages.CatchUpAsync(author, "general", after);
            foreach (var message in page.Messages)
            {
                received[message.Sequence] = message;
            }

            after = page.Messages[^1].Sequence;
            pages++;
        }
        while (page.HasMore);

        // Nine new messages at four per catch-up; the edit of an old one comes with them, in its current state.
        Assert.Equal(3, pages);
        Assert.False(page.Reset);
        Assert.Equal([old.Sequence, .. Enumerable.Range(4, 9).Select(i => (long)i)], received.Keys);
        Assert.Equal("old, edited", received[old.Sequence].Body);
        Assert.DoesNotContain(seen.Sequence, received.Keys);
    }

    [Fact]
    public async Task CatchUpAsync_SequenceTheRoomNeverHad_ResetsToTheLatestPage()
    {
        await Messages.SendAsync(_customer, "general", Guid.NewGuid(), "only");
        var snapshot = await Messages.CatchUpAsync(_customer, "general", 99);
        Assert.True(snapshot.Reset);
        Assert.Single(snapshot.Messages);
    }

    private static async Task AssertRefused(CommunityError expected, Func<Task> action)
    {
        var refusal = await Assert.ThrowsAsync<CommunityException>(action);
        Assert.Equal(expected, refusal.Error);
        Assert.False(string.IsNullOrWhiteSpace(refusal.Message));
    }
}
