using static SupportCommunity.Web.Tests.Integration.Accounts;

namespace SupportCommunity.Web.Tests.Integration.Messaging;

public sealed class CatchUpTests(CommunityAppFactory app) : IClassFixture<CommunityAppFactory>
{
    [Fact]
    public async Task JoinRoom_ReconnectAfterMissedChanges_ReturnsExactlyTheNewEditedAndDeletedMessagesInCurrentState()
    {
        await using var b = await app.ConnectAsync(Customer2);
        await b.JoinRoomAsync(General);
        var toEdit = await b.SendAsync(General, "My invoice shows the wrong VAT number.");
        var toDelete = await b.SendAsync(General, "It's DE123456789 by the way.");

        long lastSeen;
        await using (var a = await app.ConnectAsync(Customer))
        {
            var first = await a.JoinRoomAsync(General, afterSequence: 0);
            Assert.False(first.Reset);
            Assert.Contains(first.Messages, m => m.Id == toEdit.Id);
            Assert.Contains(first.Messages, m => m.Id == toDelete.Id);
            lastSeen = first.Messages[^1].Sequence;
            Assert.Equal(toDelete.Sequence, lastSeen);
            await a.StopAsync();
        }

        var new1 = await b.SendAsync(General, "Anyone from billing around?");
        var new2 = await b.SendAsync(General, "Never mind, found the form.");
        var edited = await b.EditAsync(toEdit.Id, "My invoice shows the wrong tax number.");
        var deleted = await b.DeleteAsync(toDelete.Id);

        await using var again = await app.ConnectAsync(Customer);
        var rejoin = await again.JoinRoomAsync(General, lastSeen);

        Assert.False(rejoin.Reset);
        Assert.False(rejoin.HasMore);
        Assert.Equal([toEdit.Id, toDelete.Id, new1.Id, new2.Id], rejoin.Messages.Select(m => m.Id));

        var gotEdit = rejoin.Messages[0];
        Assert.Equal("My invoice shows the wrong tax number.", gotEdit.Body);
        Assert.NotNull(gotEdit.EditedAt);
        Assert.False(gotEdit.Deleted);
        Assert.Equal(edited, gotEdit);

        var gotDelete = rejoin.Messages[1];
        Assert.True(gotDelete.Deleted);
        Assert.Null(gotDelete.Body);
        Assert.Equal(deleted, gotDelete);

        Assert.Equal(new1, rejoin.Messages[2]);
        Assert.Equal(new2, rejoin.Messages[3]);
        Assert.Equal(new2.Sequence, rejoin.Room.LastSequence);
    }

    [Fact]
    public async Task JoinRoom_AfterSequenceTheRoomNeverHad_ResetsToTheLatestPage()
    {
        await using var client = await app.ConnectAsync(Member);
        var latest = await client.JoinRoomAsync(Billing);

        var rejoin = await client.JoinRoomAsync(Billing, latest.Room.LastSequence + 1_000);

        Assert.True(rejoin.Reset);
        Assert.Equal(latest.Messages.Select(m => m.Id), rejoin.Messages.Select(m => m.Id));
    }

    [Fact]
    public async Task JoinRoom_NegativeAfterSequence_IsRefused()
    {
        await using var client = await app.ConnectAsync(Member);

        await HubAssert.RefusedAsync(() => client.JoinRoomAsync(General, -1), "afterSequence must be 0");
    }

    [Fact]
    public async Task JoinRoom_Refused_LeavesTheConnectionOutOfTheRoom()
    {
        await using var client = await app.ConnectAsync(Agent);
        await using var other = await app.ConnectAsync(Admin);

        await HubAssert.RefusedAsync(() => client.JoinRoomAsync(Feedback, -1), "afterSequence must be 0");

        // A refused join must not half-join: no typing notices, and no room events.
        await HubAssert.RefusedAsync(() => client.TypingAsync(Feedback), "Join the room");
        var missed = await other.SendAsync(Feedback, "Should not reach a connection whose join was refused.");
        await client.JoinRoomAsync(Billing);
        var barrier = await other.SendAsync(Billing, "Barrier: sent after the feedback message.");
        var received = await client.Events.MessageReceived.UntilAsync(m => m.Id == barrier.Id);
        Assert.DoesNotContain(missed.Id, received.Select(m => m.Id));
    }
}
