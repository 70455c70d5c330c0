using Microsoft.Extensions.Logging.Abstractions;
using SupportCommunity.Core.Tests.Events;
using SupportCommunity.Events;
using SupportCommunity.Presence;

namespace SupportCommunity.Core.Tests.Presence;

public sealed class PresenceTrackerTests
{
    private static readonly PresenceUser Jordan = new("jordan", "Jordan", "Customer");
    private static readonly PresenceUser Maya = new("maya", "Maya", "CommunityManager");

    private readonly InProcessRoomEventBus _bus = new(NullLogger<InProcessRoomEventBus>.Instance);
    private readonly PresenceTracker _tracker;

    public PresenceTrackerTests() => _tracker = new PresenceTracker(new InMemoryPresenceStore(), _bus);

    [Fact]
    public async Task Enter_TwoTabsOfOneUser_CountOnce()
    {
        await _tracker.EnterAsync("general", "tab-1", Jordan);
        var online = await _tracker.EnterAsync("general", "tab-2", Jordan);
        Assert.Equal(1, online.Count);
    }

    [Fact]
    public async Task Leave_OneOfTwoTabs_KeepsTheUserOnline()
    {
        await _tracker.EnterAsync("general", "tab-1", Jordan);
        await _tracker.EnterAsync("general", "tab-2", Jordan);
        await _tracker.LeaveAsync("general", "tab-1", Jordan.Id);
        Assert.Equal(1, (await _tracker.GetAsync("general")).Count);

        await _tracker.LeaveAllAsync("tab-2", Jordan.Id);
        Assert.Equal(0, (await _tracker.GetAsync("general")).Count);
    }

    [Fact]
    public async Task Enter_ListsStaffFirst()
    {
        await _tracker.EnterAsync("general", "c1", Jordan);
        var online = await _tracker.EnterAsync("general", "c2", Maya);
        Assert.Equal(["Maya", "Jordan"], online.Users.Select(u => u.Name));
    }

    [Fact]
    public async Task EnterAndLeave_PublishChangesOnlyWhenTheSetOfUsersChanges()
    {
        using var events = new EventRecorder(_bus, "general");

        await _tracker.EnterAsync("general", "c1", Jordan);
        await _tracker.EnterAsync("general", "c2", Jordan); // same user: no change
        await _tracker.EnterAsync("general", "c3", Maya);
        await _tracker.LeaveAllAsync("c3", Maya.Id);

        Assert.Equal(1, (await events.NextAsync<PresenceChanged>()).Online.Count);
        Assert.Equal(2, (await events.NextAsync<PresenceChanged>()).Online.Count);
        Assert.Equal(1, (await events.NextAsync<PresenceChanged>()).Online.Count);
    }
}
