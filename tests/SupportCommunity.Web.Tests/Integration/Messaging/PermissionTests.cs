using static SupportCommunity.Web.Tests.Integration.Accounts;

namespace SupportCommunity.Web.Tests.Integration.Messaging;

public sealed class PermissionTests(CommunityAppFactory app) : IClassFixture<CommunityAppFactory>
{
    [Fact]
    public async Task EditMessage_AnotherUsersMessageAsCustomer_IsRefusedAndMessageUnchanged()
    {
        using var api = await app.CreateApiClientAsync(Customer);
        await using var author = await app.ConnectAsync(Customer2);
        await using var intruder = await app.ConnectAsync(Customer);
        await author.JoinRoomAsync(General);
        var original = await author.SendAsync(General, "My plan renews on the 3rd.");

        await HubAssert.RefusedAsync(() => intruder.EditAsync(original.Id, "Edited by someone else"), "You can only edit your own messages.");

        Assert.Equal(original, await api.FindInHistoryAsync(General, original.Id));
        // The refused edit was never broadcast: the first update the room sees is the author's own edit.
        var own = await author.EditAsync(original.Id, "My plan renews on the 4th.");
        Assert.Equal(own, await author.Events.MessageUpdated.NextAsync());
    }

    [Fact]
    public async Task DeleteMessage_AnotherUsersMessageAsCustomer_IsRefusedAndMessageUnchanged()
    {
        using var api = await app.CreateApiClientAsync(Customer);
        await using var author = await app.ConnectAsync(Customer2);
        await using var intruder = await app.ConnectAsync(Customer);
        await author.JoinRoomAsync(General);
        var original = await author.SendAsync(General, "Please keep this one.");

        await HubAssert.RefusedAsync(() => intruder.DeleteAsync(original.Id), "You can only delete your own messages.");

        Assert.Equal(original, await api.FindInHistoryAsync(General, original.Id));
        var own = await author.DeleteAsync(original.Id);
        Assert.Equal(own, await author.Events.MessageUpdated.NextAsync());
    }

    [Fact]
    public async Task EditAndDeleteMessage_OwnMessage_UpdateIsStoredAndBroadcast()
    {
        using var api = await app.CreateApiClientAsync(Customer);
        await using var author = await app.ConnectAsync(Customer);
        await using var reader = await app.ConnectAsync(Member);
        await reader.JoinRoomAsync(General);
        var sent = await author.SendAsync(General, "Sync is slow tody.");

        var edited = await author.EditAsync(sent.Id, "Sync is slow today.");
        var atReader = await reader.Events.MessageUpdated.NextAsync();
        var deleted = await author.DeleteAsync(sent.Id);
        var deletedAtReader = await reader.Events.MessageUpdated.NextAsync();

        Assert.Equal("Sync is slow today.", edited.Body);
        Assert.NotNull(edited.EditedAt);
        Assert.True(edited.Revision > sent.Revision);
        Assert.Equal(edited, atReader);
        Assert.True(deleted.Deleted);
        Assert.Null(deleted.Body);
        Assert.Equal(deleted, deletedAtReader);
        Assert.Equal(deleted, await api.FindInHistoryAsync(General, sent.Id));
    }

    [Fact]
    public async Task EditMessage_DeletedMessage_IsRefused()
    {
        await using var author = await app.ConnectAsync(Customer);
        var sent = await author.SendAsync(General, "Going to remove this.");
        await author.DeleteAsync(sent.Id);

        await HubAssert.RefusedAsync(() => author.EditAsync(sent.Id, "Back from the dead"), "was deleted");
    }

    [Theory]
    [InlineData(General)]
    [InlineData(Billing)]
    public async Task DeleteMessage_AnyonesMessageAsCommunityManager_IsDeleted(string room)
    {
        using var api = await app.CreateApiClientAsync(Manager);
        await using var author = await app.ConnectAsync(Customer2);
        await using var manager = await app.ConnectAsync(Manager);
        var sent = await author.SendAsync(room, "My card number is 4111 1111 1111 1111");

        var deleted = await manager.DeleteAsync(sent.Id);

        Assert.True(deleted.Deleted);
        Assert.True((await api.FindInHistoryAsync(room, sent.Id)).Deleted);
    }

    [Fact]
    public async Task DeleteMessage_AsVolunteerModeratorInTheirRoom_IsDeleted()
    {
        using var api = await app.CreateApiClientAsync(Moderator);
        await using var author = await app.ConnectAsync(Customer);
        await using var moderator = await app.ConnectAsync(Moderator);
        var sent = await author.SendAsync(General, "Buy cheap followers at spam.example");

        var deleted = await moderator.DeleteAsync(sent.Id);

        Assert.True(deleted.Deleted);
        Assert.True((await api.FindInHistoryAsync(General, sent.Id)).Deleted);
    }

    [Fact]
    public async Task DeleteMessage_AsVolunteerModeratorOutsideTheirRoom_IsRefusedAndMessageUnchanged()
    {
        using var api = await app.CreateApiClientAsync(Moderator);
        await using var author = await app.ConnectAsync(Customer);
        await using var moderator = await app.ConnectAsync(Moderator);
        var sent = await author.SendAsync(Billing, "Was I charged twice?");

        await HubAssert.RefusedAsync(() => moderator.DeleteAsync(sent.Id), "You can only delete your own messages.");

        Assert.Equal(sent, await api.FindInHistoryAsync(Billing, sent.Id));
    }

    [Fact]
    public async Task EditMessage_AnotherUsersMessageAsVolunteerModerator_IsRefused()
    {
        await using var author = await app.ConnectAsync(Customer);
        await using var moderator = await app.ConnectAsync(Moderator);
        var sent = await author.SendAsync(General, "Moderators delete, they do not rewrite.");

        await HubAssert.RefusedAsync(() => moderator.EditAsync(sent.Id, "Rewritten"), "You can only edit your own messages.");
    }

    [Fact]
    public async Task EditMessage_UnknownMessage_IsRefusedAsNotFound()
    {
        await using var client = await app.ConnectAsync(Customer);

        await HubAssert.RefusedAsync(() => client.EditAsync(long.MaxValue, "Hello?"), "There is no message");
    }
}
