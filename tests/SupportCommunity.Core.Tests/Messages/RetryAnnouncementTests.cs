using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using SupportCommunity.Core.Tests.Events;
using SupportCommunity.Core.Tests.Moderation;
using SupportCommunity.Events;
using SupportCommunity.Identity;
using SupportCommunity.Messages;
using SupportCommunity.Notifications;

namespace SupportCommunity.Core.Tests.Messages;

/// <summary>
/// A retry of a recent message is announced again, once per node: the node that stored it may have died before its
/// fan-out, and then the retry is the first the room hears of it. Notifications it calls for are created once.
/// </summary>
public sealed class RetryAnnouncementTests : IAsyncLifetime
{
    private readonly ManualClock _clock = new(DateTimeOffset.UtcNow);
    private readonly CommunityDatabase _database;
    private Actor _customer = default!;
    private Actor _manager = default!;

    public RetryAnnouncementTests() => _database = new CommunityDatabase(new()
    {
        ["Limits:FloodMessages"] = "1000",
        ["Limits:TrustedFloodMessages"] = "1000",
        ["Limits:FloodSpacing"] = "00:00:00",
    })
    {
        ConfigureServices = services => services.AddSingleton<TimeProvider>(_clock),
    };

    private MessageService Messages => _database.Get<MessageService>();

    public async Task InitializeAsync()
    {
        await _database.InitializeAsync();
        await _database.AddRoomAsync("general");
        _customer = await _database.AddUserAsync("Jordan", CommunityRoles.Customer);
        _manager = await _database.AddUserAsync("Maya Chen", CommunityRoles.CommunityManager);
    }

    public Task DisposeAsync() => _database.DisposeAsync();

    [Fact]
    public async Task SendAsync_RetryOfARecentMessage_IsAnnouncedAgainOnceThenNotAgain()
    {
        using var events = new EventRecorder(_database.Get<IRoomEventBus>(), "general");
        var id = Guid.NewGuid();
        var first = await Messages.SendAsync(_customer, "general", id, "my refund never arrived");
        Assert.False((await events.NextAsync<MessagePosted>()).Again);

        _clock.Advance(TimeSpan.FromSeconds(20));
        var retry = await Messages.SendAsync(_customer, "general", id, "my refund never arrived");
        var again = await events.NextAsync<MessagePosted>();
        Assert.True(again.Again);
        Assert.Equal(first, retry);
        Assert.Equal(first, again.Message);

        // A second retry on the same node announces nothing: the next event is the next message's.
        await Messages.SendAsync(_customer, "general", id, "my refund never arrived");
        var next = await Messages.SendAsync(_customer, "general", Guid.NewGuid(), "still waiting");
        var after = await events.NextAsync<MessagePosted>();
        Assert.Equal((next.Sequence, false), (after.Message.Sequence, after.Again));
    }

    [Fact]
    public async Task SendAsync_RetryOfAnOldMessage_IsNotAnnouncedAgain()
    {
        using var events = new EventRecorder(_database.Get<IRoomEventBus>(), "general");
        var id = Guid.NewGuid();
        await Messages.SendAsync(_customer, "general", id, "hello");
        await events.NextAsync<MessagePosted>();

        _clock.Advance(MessageWriter.AnnounceRetriesFor + TimeSpan.FromSeconds(1));
        await Messages.SendAsync(_customer, "general", id, "hello");
        var next = await Messages.SendAsync(_customer, "general", Guid.NewGuid(), "anyone?");

        var after = await events.NextAsync<MessagePosted>();
        Assert.Equal((next.Sequence, false), (after.Message.Sequence, after.Again));
    }

    [Fact]
    public async Task NotifyAsync_AnnouncedAgain_CreatesOnlyTheNotificationsStillMissing()
    {
        var notifications = _database.Get<NotificationService>();
        var mention = await Messages.SendAsync(_customer, "general", Guid.NewGuid(), "@Maya Chen can you check my refund?");

        // The node that stored it notified, then the retry's node hears it again: still one notification.
        await notifications.NotifyAsync(mention);
        await notifications.NotifyAsync(mention, again: true);
        Assert.Equal(1, await CountNotificationsAsync(mention.Sequence));

        // The node that stored it died before notifying: the retry's node creates it.
        var lost = await Messages.SendAsync(_customer, "general", Guid.NewGuid(), "@Maya Chen hello?");
        await notifications.NotifyAsync(lost, again: true);
        await notifications.NotifyAsync(lost, again: true);
        Assert.Equal(1, await CountNotificationsAsync(lost.Sequence));
    }

    private async Task<int> CountNotificationsAsync(long sequence)
    {
        await using var db = await _database.CreateDbContextAsync();
        return await db.Notifications.CountAsync(n => n.UserId == _manager.UserId && n.Sequence == sequence);
    }
}
