using Microsoft.EntityFrameworkCore;
using SupportCommunity.Identity;
using SupportCommunity.Messages;
using SupportCommunity.Events;
using SupportCommunity.Moderation;
using SupportCommunity.Rooms;

namespace SupportCommunity.Core.Tests.Reactions;

public sealed class ReactionTests : IAsyncLifetime
{
    private readonly CommunityDatabase _database = new(new()
    {
        ["Limits:FloodMessages"] = "1000",
        ["Limits:TrustedFloodMessages"] = "1000",
        ["Limits:FloodSpacing"] = "00:00:00",
        ["Limits:ReactionToggles"] = "6",
        // Long enough that no permit comes back during a test.
        ["Limits:ReactionWindow"] = "00:10:00",
    });
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

    [Fact]
    public async Task ToggleReaction_LockedRoom_RefusesMembersAndLetsStaffAndItsModeratorsReact()
    {
        var moderator = await _database.AddUserAsync("Mo", CommunityRoles.VolunteerModerator);
        var elsewhere = await _database.AddUserAsync("Elsa", CommunityRoles.VolunteerModerator);
        await using (var db = await _database.CreateDbContextAsync())
        {
            var general = await db.Rooms.SingleAsync(r => r.Slug == "general");
            db.RoomModerators.Add(new RoomModerator { RoomId = general.Id, UserId = moderator.UserId });
            await db.SaveChangesAsync();
        }

        var sent = await Messages.SendAsync(_customer, "general", Guid.NewGuid(), "hello");
        await _database.Get<RoomControlService>().LockAsync(_manager, "general", "Back soon.");

        var member = await Assert.ThrowsAsync<CommunityException>(() => Messages.ToggleReactionAsync(_other, sent.Id, "👍"));
        var otherRoomsModerator = await Assert.ThrowsAsync<CommunityException>(() => Messages.ToggleReactionAsync(elsewhere, sent.Id, "👍"));
        Assert.Equal(CommunityError.Forbidden, member.Error);
        Assert.Contains("locked", member.Message, StringComparison.Ordinal);
        Assert.Contains("Back soon.", member.Message, StringComparison.Ordinal);
        Assert.Equal(CommunityError.Forbidden, otherRoomsModerator.Error);
        await AssertNothingStoredAsync(sent);

        await Messages.ToggleReactionAsync(_manager, sent.Id, "👍");
        var byModerator = await Messages.ToggleReactionAsync(moderator, sent.Id, "👍");
        Assert.Equal(2, Assert.Single(byModerator.Reactions).Count);

        await _database.Get<RoomControlService>().UnlockAsync(_manager, "general");
        Assert.Equal(3, Assert.Single((await Messages.ToggleReactionAsync(_other, sent.Id, "👍")).Reactions).Count);
    }

    [Fact]
    public async Task ToggleReaction_SlowMode_DoesNotApplyToReactions()
    {
        var sent = await Messages.SendAsync(_other, "general", Guid.NewGuid(), "hello");
        await _database.Get<RoomControlService>().SetSlowModeAsync(_manager, "general", 60, "calm down");
        await Messages.SendAsync(_customer, "general", Guid.NewGuid(), "my one message this minute");

        var slowed = await Assert.ThrowsAsync<CommunityException>(() => Messages.SendAsync(_customer, "general", Guid.NewGuid(), "another"));
        var reacted = await Messages.ToggleReactionAsync(_customer, sent.Id, "🙏");

        Assert.Equal(CommunityError.TooManyRequests, slowed.Error);
        Assert.Equal("🙏", Assert.Single(reacted.Reactions).Emoji);
    }

    [Fact]
    public async Task ToggleReaction_OverTheLimit_IsTooManyRequestsStoresNothingAndPublishesNothing()
    {
        var first = await Messages.SendAsync(_customer, "general", Guid.NewGuid(), "first");
        var second = await Messages.SendAsync(_customer, "general", Guid.NewGuid(), "second");
        for (var i = 0; i < 6; i++)
        {
            // Six toggles (the limit in this class), on one message: it ends as it began.
            await Messages.ToggleReactionAsync(_other, first.Id, "👍");
        }

        // Events reach a subscriber in order: the refused toggle's would come before the allowed one's.
        var changes = new List<MessageDto>();
        var allowedHeard = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        using var subscription = _database.Get<IRoomEventBus>().Subscribe(roomSlug: null, e =>
        {
            if (e is MessageChanged changed)
            {
                lock (changes)
                {
                    changes.Add(changed.Message);
                }

                if (changed.Message.Reactions.Any(r => r.UserIds.Contains(_customer.UserId)))
                {
                    allowedHeard.TrySetResult();
                }
            }

            return Task.CompletedTask;
        });

        // The limit is per user in every room and message; others are free.
        var refusal = await Assert.ThrowsAsync<CommunityException>(() => Messages.ToggleReactionAsync(_other, second.Id, "🎉"));
        var byOther = await Messages.ToggleReactionAsync(_customer, second.Id, "🎉");

        Assert.Equal(CommunityError.TooManyRequests, refusal.Error);
        Assert.Contains("reacting too fast", refusal.Message, StringComparison.Ordinal);
        Assert.InRange(refusal.RetryAfter ?? TimeSpan.Zero, TimeSpan.FromSeconds(1), TimeSpan.FromMinutes(10));
        Assert.Equal([_customer.UserId], Assert.Single(byOther.Reactions).UserIds);
        await allowedHeard.Task.WaitAsync(TimeSpan.FromSeconds(10));
        lock (changes)
        {
            Assert.Equal([byOther.Revision], changes.Select(c => c.Revision));
        }

        await using var db = await _database.CreateDbContextAsync();
        Assert.Equal(1, await db.MessageReactions.CountAsync());
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
