using Microsoft.EntityFrameworkCore;
using SupportCommunity.Identity;
using SupportCommunity.Messages;
using SupportCommunity.Moderation;

namespace SupportCommunity.Core.Tests.Messages;

/// <summary>
/// Races the randomized two-node consistency test found (tests/SupportCommunity.Web.Tests/ScaleOut/RandomizedConsistencyTests):
/// changes that read a message before locking it, and a retry refused by a sanction that came after the send.
/// </summary>
public sealed class MessageRaceTests : IAsyncLifetime
{
    private readonly CommunityDatabase _database = new(new() { ["Limits:FloodMessages"] = "1000", ["Limits:TrustedFloodMessages"] = "1000", ["Limits:FloodSpacing"] = "00:00:00" });
    private Actor _customer = default!;
    private Actor _manager = default!;

    private MessageService Messages => _database.Get<MessageService>();

    public async Task InitializeAsync()
    {
        await _database.InitializeAsync();
        await _database.AddRoomAsync("general");
        _customer = await _database.AddUserAsync("Jordan", CommunityRoles.Customer);
        _manager = await _database.AddUserAsync("Maya", CommunityRoles.CommunityManager);
    }

    public Task DisposeAsync() => _database.DisposeAsync();

    [Fact]
    public async Task EditAndDelete_AtOnce_TheNewestAnswerIsWhatIsStored()
    {
        // Before the fix an edit that had read the message before a deletion committed wrote over it: the edit's answer
        // (and event) said "not deleted" under the newest revision while the row stayed deleted.
        var mismatches = new List<string>();
        for (var round = 0; round < 40; round++)
        {
            var message = await Messages.SendAsync(_customer, "general", Guid.NewGuid(), $"round {round}");
            var edit = Task.Run(() => Messages.EditAsync(_customer, message.Id, $"round {round}, edited"));
            var delete = Task.Run(() => Messages.DeleteAsync(_manager, message.Id));
            var answers = new List<MessageDto> { await delete };
            try
            {
                answers.Add(await edit);
            }
            catch (CommunityException refused) when (refused.Error == CommunityError.Conflict)
            {
                // The deletion came first: the edit is refused, as it would have been a moment later.
            }

            var newest = answers.MaxBy(a => a.Revision)!;
            var stored = await ReadAsync(message.Id);
            Assert.True(stored.Deleted);
            if (newest != stored)
            {
                mismatches.Add($"round {round}: answered {newest}, stored {stored}");
            }

            Assert.Equal(answers.Count, answers.Select(a => a.Revision).Distinct().Count());
        }

        Assert.Empty(mismatches);
    }

    [Fact]
    public async Task SendAsync_RetryAfterTheAuthorWasTimedOut_ReturnsTheStoredMessageAndNewSendsAreRefused()
    {
        var id = Guid.NewGuid();
        var sent = await Messages.SendAsync(_customer, "general", id, "sent just before the timeout");
        await _database.Get<SanctionService>().TimeoutAsync(_manager, _customer.UserId, TimeSpan.FromMinutes(10), "cool down", null);

        // The acknowledgement was lost and the client sends again with the same id: the message is stored, so it is sent.
        var retry = await Messages.SendAsync(_customer, "general", id, "sent just before the timeout");

        Assert.Equal(sent, retry);
        var refused = await Assert.ThrowsAsync<CommunityException>(() =>
            Messages.SendAsync(_customer, "general", Guid.NewGuid(), "a new message while timed out"));
        Assert.StartsWith("You are timed out", refused.Message, StringComparison.Ordinal);
        await using var db = await _database.CreateDbContextAsync();
        Assert.Equal(1, await db.Messages.CountAsync());
    }

    private async Task<MessageDto> ReadAsync(long id)
    {
        await using var db = await _database.CreateDbContextAsync();
        return MessageDto.From(await db.Messages.AsNoTracking().SingleAsync(m => m.Id == id), "general");
    }
}
