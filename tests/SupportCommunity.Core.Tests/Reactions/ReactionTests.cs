using Microsoft.EntityFrameworkCore;
using SupportCommunity.Identity;
using SupportCommunity.Messages;
using SupportCommunity.Moderation;

namespace SupportCommunity.Core.Tests.Reactions;

public sealed class ReactionTests : IAsyncLifetime
{
    private readonly CommunityDatabase _database = new(new() { ["Limits:FloodMessages"] = "1000", ["Limits:TrustedFloodMessages"] = "1000" });
    private Actor _customer = default!;
    private Actor _other = default!;
    private Actor _manager = default!;

    private MessageService Messages => _database.Get<MessageService>();

    public async Task InitializeAsync()
    {
        await _database.InitializeAsync();
        await _database.AddRoomAsync("general");
        _customer = await _database.AddUserAsync("Jordan", CommunityRoles.Customer);
        _other = await _database.AddUserAsync("Casey", CommunityRoles.Customer);
        _manager = await _database.AddUserAsync("Maya", CommunityRoles.CommunityManager);
    }

    public Task DisposeAsync() => _database.DisposeAsync();

    [Fact]
    public async Task ToggleReaction_TwiceBySameUser_AddsThenRemoves()
    {
        var sent = await Messages.SendAsync(_customer, "general", Guid.NewGuid(), "hello");

        var added = await Messages.ToggleReactionAsync(_other, sent.Id, "👍");
        var alsoMine = await Messages.ToggleReactionAsync(_customer, sent.Id, "👍");
        var removed = await Messages.ToggleReactionAsync(_other, sent.Id, "👍");

        var thumbs = Assert.Single(added.Reactions);
        Assert.Equal(("👍", 1), (thumbs.Emoji, thumbs.Count));
        Assert.Equal([_other.UserId], thumbs.UserIds);
        Assert.Equal(2, Assert.Single(alsoMine.Reactions).Count);
        Assert.Equal([_customer.UserId], Assert.Single(removed.Reactions).UserIds);
        await using var db = await _database.CreateDbContextAsync();
        Assert.Equal(1, await db.MessageReactions.CountAsync());
    }

    [Fact]
    public async Task ToggleReaction_SetOnTwice_StoresOneAndChangesNothingTheSecondTime()
    {
        var sent = await Messages.SendAsync(_customer, "general", Guid.NewGuid(), "hello");

        var first = await Messages.ToggleReactionAsync(_other, sent.Id, "🎉", on: true);
        var retry = await Messages.ToggleReactionAsync(_other, sent.Id, "🎉", on: true);
        var offWhenOff = await Messages.ToggleReactionAsync(_other, sent.Id, "😮", on: false);

        Assert.Equal(first.Revision, retry.Revision);
        Assert.Equal(first.Revision, offWhenOff.Revision);
        Assert.Equal(1, Assert.Single(retry.Reactions).Count);
        await using var db = await _database.CreateDbContextAsync();
        Assert.Equal(1, await db.MessageReactions.CountAsync());
    }

    [Fact]
    public async Task ToggleReaction_BumpsTheRevision_AndCatchUpBringsIt()
    {
        var sent = await Messages.SendAsync(_customer, "general", Guid.NewGuid(), "hello");
        await Messages.SendAsync(_customer, "general", Guid.NewGuid(), "second");

        var reacted = await Messages.ToggleReactionAsync(_other, sent.Id, "❤️");

        Assert.True(reacted.Revision > sent.Revision);
        var snapshot = await Messages.CatchUpAsync(_customer, "general", afterSequence: 2);
        var caught = Assert.Single(snapshot.Messages);
        Assert.Equal(sent.Id, caught.Id);
        Assert.Equal("❤️", Assert.Single(caught.Reactions).Emoji);
        Assert.Equal(reacted.Revision, snapshot.Room.Revision);
    }

    [Theory]
    [InlineData("")]
    [InlineData(null)]
    [InlineData("👍👍")]
    [InlineData("🤡")]
    [InlineData("<script>")]
    [InlineData("\u202e👍")]
    public async Task ToggleReaction_NotOnTheAllowlist_IsInvalidAndStoresNothing(string? emoji)
    {
        var sent = await Messages.SendAsync(_customer, "general", Guid.NewGuid(), "hello");

        var refusal = await Assert.ThrowsAsync<CommunityException>(() => Messages.ToggleReactionAsync(_other, sent.Id, emoji));

        Assert.Equal(CommunityError.Invalid, refusal.Error);
        await AssertNothingStoredAsync(sent);
    }

    [Fact]
    public async Task ToggleReaction_TimedOutMember_IsRefusedAndStoresNothing()
    {
        var sent = await Messages.SendAsync(_customer, "general", Guid.NewGuid(), "hello");
        await _database.Get<SanctionService>().TimeoutAsync(_manager, _other.UserId, TimeSpan.FromMinutes(10), "cool down", null);

        var refusal = await Assert.ThrowsAsync<CommunityException>(() => Messages.ToggleReactionAsync(_other, sent.Id, "👍"));

        Assert.Equal(CommunityError.Forbidden, refusal.Error);
        await AssertNothingStoredAsync(sent);
    }

    [Fact]
    public async Task ToggleReaction_DeletedOrHiddenMessage_IsAConflictAndStoresNothing()
    {
        var deleted = await Messages.SendAsync(_customer, "general", Guid.NewGuid(), "gone");
        deleted = await Messages.DeleteAsync(_customer, deleted.Id);
        var hidden = await Messages.SendAsync(_customer, "general", Guid.NewGuid(), "hidden");
        await using (var db = await _database.CreateDbContextAsync())
        {
            await db.Messages.Where(m => m.Id == hidden.Id).ExecuteUpdateAsync(s => s.SetProperty(m => m.HiddenAt, DateTimeOffset.UtcNow));
        }

        var onDeleted = await Assert.ThrowsAsync<CommunityException>(() => Messages.ToggleReactionAsync(_other, deleted.Id, "👍"));
        var onHidden = await Assert.ThrowsAsync<CommunityException>(() => Messages.ToggleReactionAsync(_other, hidden.Id, "👍"));

        Assert.Equal(CommunityError.Conflict, onDeleted.Error);
        Assert.Equal(CommunityError.Conflict, onHidden.Error);
        await AssertNothingStoredAsync(deleted);
        await AssertNothingStoredAsync(hidden);
    }

    [Fact]
    public async Task ToggleReaction_UnknownMessage_IsNotFound()
    {
        var refusal = await Assert.ThrowsAsync<CommunityException>(() => Messages.ToggleReactionAsync(_other, 999_999, "👍"));
        Assert.Equal(CommunityError.NotFound, refusal.Error);
    }

    [Fact]
    public async Task ToggleReaction_ConcurrentTogglesByManyUsers_AllCount()
    {
        var sent = await Messages.SendAsync(_customer, "general", Guid.NewGuid(), "hello");
        var reactors = new[] { _customer, _other, _manager };

        string[] emoji = ["👍", "✅"];

        await Task.WhenAll(reactors.SelectMany(a => emoji.Select(e => Task.Run(() => Messages.ToggleReactionAsync(a, sent.Id, e)))));

        var page = await Messages.GetHistoryAsync(_customer, "general", null, null);
        var reactions = Assert.Single(page.Messages).Reactions;
        Assert.Equal(["👍", "✅"], reactions.Select(r => r.Emoji));
        Assert.All(reactions, r => Assert.Equal(3, r.Count));
    }

    private async Task AssertNothingStoredAsync(MessageDto before)
    {
        await using var db = await _database.CreateDbContextAsync();
        Assert.False(await db.MessageReactions.AnyAsync(r => r.MessageId == before.Id));
        var row = await db.Messages.SingleAsync(m => m.Id == before.Id);
        Assert.Equal(before.Revision, row.Revision);
        Assert.Equal("", row.Reactions);
    }
}
