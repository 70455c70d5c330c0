using Microsoft.EntityFrameworkCore;
using SupportCommunity.Identity;
using SupportCommunity.Messages;
using SupportCommunity.Moderation;
using SupportCommunity.Rooms;

namespace SupportCommunity.Core.Tests.Moderation;

/// <summary>
/// What the audit log holds besides the actions taken: attempts beyond a member's rights, sends automod blocked, and
/// flood throttling; each once per burst, so a hostile client cannot fill the log.
/// </summary>
public sealed class RefusalAuditTests : IAsyncLifetime
{
    private readonly CommunityDatabase _database = new(new()
    {
        ["Limits:FloodMessages"] = "2",
        ["Limits:DuplicateWindow"] = "00:00:00",
    });

    private Actor _customer = default!;
    private Actor _other = default!;
    private Actor _manager = default!;
    private Room _room = default!;

    public async Task InitializeAsync()
    {
        await _database.InitializeAsync();
        _room = await _database.AddRoomAsync("general");
        _customer = await _database.AddUserAsync("Jordan", CommunityRoles.Customer);
        _other = await _database.AddUserAsync("Casey", CommunityRoles.Customer);
        _manager = await _database.AddUserAsync("Maya", CommunityRoles.CommunityManager);
    }

    public Task DisposeAsync() => _database.DisposeAsync();

    private async Task<List<AuditEntry>> AuditAsync(string action)
    {
        await using var db = await _database.CreateDbContextAsync();
        return await db.AuditEntries.AsNoTracking().Where(e => e.Action == action).OrderBy(e => e.Id).ToListAsync();
    }

    [Fact]
    public async Task TimeoutBeyondRights_RecordedOnceByTheCallerWithTargetAndRefusal_RepeatsInTheBurstAreNot()
    {
        var sanctions = _database.Get<SanctionService>();
        for (var i = 0; i < 5; i++)
        {
            var refusal = await Assert.ThrowsAsync<CommunityException>(() =>
                sanctions.TimeoutAsync(_customer, _other.UserId, TimeSpan.FromMinutes(10), "you annoy me", "general"));
            Assert.Equal("Only moderators can time out members.", refusal.Message);
        }

        var entry = Assert.Single(await AuditAsync(AuditActions.AccessDenied));
        Assert.Equal((_customer.UserId, "Jordan", _other.UserId, "Casey", _room.Id), (entry.ActorId, entry.ActorName, entry.TargetUserId, entry.TargetName, entry.RoomId));
        Assert.Equal(("Only moderators can time out members.", "tried " + AuditActions.SanctionTimeout), (entry.Reason, entry.After));
        await using var db = await _database.CreateDbContextAsync();
        Assert.Equal(0, await db.Sanctions.CountAsync());
    }

    [Fact]
    public async Task ModerateDeleteBeyondRights_TargetIsTheMessagesAuthor_AndAnInvalidRequestIsNotAnAttempt()
    {
        var messages = _database.Get<MessageService>();
        var sent = await messages.SendAsync(_other, "general", Guid.NewGuid(), "hello");

        await Assert.ThrowsAsync<CommunityException>(() => messages.ModerateDeleteAsync(_customer, sent.Id, "spam"));
        var invalid = await Assert.ThrowsAsync<CommunityException>(() => messages.ModerateDeleteAsync(_manager, sent.Id, "  "));

        Assert.Equal(CommunityError.Invalid, invalid.Error);
        var entry = Assert.Single(await AuditAsync(AuditActions.AccessDenied));
        Assert.Equal((_customer.UserId, _other.UserId, sent.Id, _room.Id), (entry.ActorId, entry.TargetUserId, entry.MessageId, entry.RoomId));
    }

    [Fact]
    public async Task BlockedWord_RecordedByAutomodWithTheTextAndRule_NothingPosted()
    {
        await _database.Get<AutomodService>().CreateAsync(_manager, new AutomodRuleInput("slurs", "badword", IsRegex: false, AutomodAction.Block, null));
        var messages = _database.Get<MessageService>();

        for (var i = 0; i < 3; i++)
        {
            var refusal = await Assert.ThrowsAsync<CommunityException>(() => messages.SendAsync(_customer, "general", Guid.NewGuid(), $"you badword {i}"));
            Assert.Equal(SendAdmission.BlockedText, refusal.Message);
        }

        var entry = Assert.Single(await AuditAsync(AuditActions.AutomodBlock));
        Assert.Equal((RefusalAudit.Automod.UserId, "Automod", _customer.UserId, "Jordan", _room.Id), (entry.ActorId, entry.ActorName, entry.TargetUserId, entry.TargetName, entry.RoomId));
        Assert.Equal(("Blocked by the automod rule \"slurs\".", "you badword 0"), (entry.Reason, entry.Before));
        await using var db = await _database.CreateDbContextAsync();
        Assert.Equal(0, await db.Messages.CountAsync());
    }

    [Fact]
    public async Task Flood_RecordedOnceForTheMemberAndRoom_OthersUnaffected()
    {
        var messages = _database.Get<MessageService>();
        await messages.SendAsync(_customer, "general", Guid.NewGuid(), "one");
        await messages.SendAsync(_customer, "general", Guid.NewGuid(), "two");

        for (var i = 0; i < 3; i++)
        {
            var refusal = await Assert.ThrowsAsync<CommunityException>(() => messages.SendAsync(_customer, "general", Guid.NewGuid(), $"more {i}"));
            Assert.Equal(CommunityError.TooManyRequests, refusal.Error);
        }

        await messages.SendAsync(_other, "general", Guid.NewGuid(), "I can still talk");
        var entry = Assert.Single(await AuditAsync(AuditActions.FloodThrottle));
        Assert.Equal((RefusalAudit.FloodLimit.UserId, _customer.UserId, _room.Id), (entry.ActorId, entry.TargetUserId, entry.RoomId));
        Assert.StartsWith("Sending too fast in #general: You're sending messages too fast.", entry.Reason, StringComparison.Ordinal);
    }
}
