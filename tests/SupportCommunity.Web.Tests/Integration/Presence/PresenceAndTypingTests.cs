using static SupportCommunity.Web.Tests.Integration.Accounts;

namespace SupportCommunity.Web.Tests.Integration.Presence;

/// <summary>Each test uses its own room or users, so that presence left over from another test cannot hide a change.</summary>
public sealed class PresenceAndTypingTests(CommunityAppFactory app) : IClassFixture<CommunityAppFactory>
{
    [Fact]
    public async Task JoinRoom_SecondUserJoins_FirstGetsPresenceChangedIncludingThem()
    {
        await using var a = await app.ConnectAsync(Customer);
        await using var b = await app.ConnectAsync(Customer2);
        var alone = await a.JoinRoomAsync(General);
        Assert.Contains(alone.Online.Users, u => u.Name == "Jordan Lee");

        var joined = await b.JoinRoomAsync(General);

        var change = await a.Events.PresenceChanged.NextMatchingAsync(p => p.Online.Users.Any(u => u.Name == "Casey Brooks"));
        Assert.Equal(General, change.RoomSlug);
        Assert.Equal(alone.Online.Count + 1, change.Online.Count);
        Assert.Contains(change.Online.Users, u => u.Name == "Jordan Lee");
        Assert.Contains(change.Online.Users, u => u is { Name: "Casey Brooks", Role: "Customer" });
        Assert.Equal(change.Online.Count, joined.Online.Count);
        Assert.Equal(change.Online.Users, joined.Online.Users);
    }

    [Fact]
    public async Task LeaveRoom_UserLeaves_OthersGetPresenceChangedWithoutThem()
    {
        await using var a = await app.ConnectAsync(Member);
        await using var b = await app.ConnectAsync(Agent);
        await a.JoinRoomAsync(Billing);
        await b.JoinRoomAsync(Billing);
        await a.Events.PresenceChanged.NextMatchingAsync(p => p.Online.Users.Any(u => u.Name == "Sam Patel"));

        await b.LeaveRoomAsync(Billing);

        // Every change since Sam joined names him, until he leaves.
        var change = await a.Events.PresenceChanged.NextMatchingAsync(p => p.Online.Users.All(u => u.Name != "Sam Patel"));
        Assert.Equal(Billing, change.RoomSlug);
        Assert.Contains(change.Online.Users, u => u.Name == "Priya Nair");
    }

    [Fact]
    public async Task Disconnect_UserClosesConnection_OthersGetPresenceChangedWithoutThem()
    {
        await using var a = await app.ConnectAsync(Admin);
        await a.JoinRoomAsync(Feedback);
        await using (var b = await app.ConnectAsync(Moderator))
        {
            await b.JoinRoomAsync(Feedback);
            await a.Events.PresenceChanged.NextMatchingAsync(p => p.Online.Users.Any(u => u.Name == "Theo Ruiz"));
            await b.StopAsync();
        }

        // Every change since Theo joined names him, until his connection is gone.
        var change = await a.Events.PresenceChanged.NextMatchingAsync(p => p.Online.Users.All(u => u.Name != "Theo Ruiz"));
        Assert.Equal(Feedback, change.RoomSlug);
        Assert.Contains(change.Online.Users, u => u.Name == "Alex Morgan");
    }

    [Fact]
    public async Task Typing_InJoinedRoom_OthersGetUserTypingWithDisplayName()
    {
        await using var a = await app.ConnectAsync(Manager);
        await using var b = await app.ConnectAsync(Customer);
        await a.JoinRoomAsync(Feedback);
        await b.JoinRoomAsync(Feedback);

        await b.TypingAsync(Feedback);

        var typing = await a.Events.UserTyping.NextAsync();
        Assert.Equal(Feedback, typing.RoomSlug);
        Assert.Equal("Jordan Lee", typing.User.Name);
        Assert.Equal("Customer", typing.User.Role);
    }

    [Fact]
    public async Task Typing_BeforeJoiningTheRoom_IsRefused()
    {
        await using var a = await app.ConnectAsync(Customer2);

        await HubAssert.RefusedAsync(() => a.TypingAsync(Billing), "Join the room");
    }

    [Fact]
    public async Task Typing_AfterLeavingTheRoom_IsRefused()
    {
        await using var a = await app.ConnectAsync(Customer2);
        await a.JoinRoomAsync(Feedback);
        await a.LeaveRoomAsync(Feedback);

        await HubAssert.RefusedAsync(() => a.TypingAsync(Feedback), "Join the room");
    }
}
