using Microsoft.Extensions.Logging.Abstractions;
using SupportCommunity.Events;
using SupportCommunity.Presence;

namespace SupportCommunity.Core.Tests.Events;

public sealed class InProcessRoomEventBusTests
{
    private static readonly PresenceUser Someone = new("u1", "Someone", "Customer");
    private readonly InProcessRoomEventBus _bus = new(NullLogger<InProcessRoomEventBus>.Instance);

    [Fact]
    public async Task Subscribe_ToOneRoom_ReceivesOnlyThatRoomInPublishOrder()
    {
        using var general = new EventRecorder(_bus, "general");

        await _bus.PublishAsync(new UserTyping("billing", Someone));
        for (var i = 0; i < 100; i++)
        {
            await _bus.PublishAsync(new PresenceChanged("general", new RoomPresence(i, [])));
        }

        for (var i = 0; i < 100; i++)
        {
            Assert.Equal(i, (await general.NextAsync<PresenceChanged>()).Online.Count);
        }
    }

    [Fact]
    public async Task Subscribe_ToAllRooms_ReceivesEveryRoom()
    {
        using var all = new EventRecorder(_bus);
        await _bus.PublishAsync(new UserTyping("billing", Someone));
        await _bus.PublishAsync(new UserTyping("general", Someone));
        Assert.Equal("billing", (await all.NextAsync()).RoomSlug);
        Assert.Equal("general", (await all.NextAsync()).RoomSlug);
    }

    [Fact]
    public async Task Publish_FailingOrSlowSubscriber_DoesNotBlockOthers()
    {
        var blocked = new TaskCompletionSource();
        using var slow = _bus.Subscribe(null, _ => blocked.Task);
        using var failing = _bus.Subscribe(null, _ => throw new InvalidOperationException("boom"));
        using var healthy = new EventRecorder(_bus);

        await _bus.PublishAsync(new UserTyping("general", Someone));
        await _bus.PublishAsync(new UserTyping("billing", Someone));

        Assert.Equal("general", (await healthy.NextAsync()).RoomSlug);
        Assert.Equal("billing", (await healthy.NextAsync()).RoomSlug);
        blocked.SetResult();
    }

    [Fact]
    public async Task Dispose_StopsDelivery()
    {
        var first = new EventRecorder(_bus);
        using var barrier = new EventRecorder(_bus);
        first.Dispose();

        await _bus.PublishAsync(new UserTyping("general", Someone));

        // The barrier proves the event was delivered; the disposed subscription must not have it.
        await barrier.NextAsync();
        Assert.False(await first.ReceivesWithinAsync(TimeSpan.FromSeconds(1)), "the disposed subscription got the event");
    }
}
