using SupportCommunity.Identity;
using SupportCommunity.Messages;
using SupportCommunity.Rooms;

namespace SupportCommunity.Core.Tests.Rooms;

public sealed class RoomServiceTests : IAsyncLifetime
{
    private readonly CommunityDatabase _database = new();

    public Task InitializeAsync() => _database.InitializeAsync();

    public Task DisposeAsync() => _database.DisposeAsync();

    [Fact]
    public async Task ListAsync_CountsUnreadFromTheReadMarkAndNeverGoesBack()
    {
        await _database.AddRoomAsync("general");
        var reader = await _database.AddUserAsync("Reader", CommunityRoles.Customer);
        var writer = await _database.AddUserAsync("Writer", CommunityRoles.CommunityManager);
        var messages = _database.Get<MessageService>();
        var rooms = _database.Get<RoomService>();
        for (var i = 0; i < 5; i++)
        {
            await messages.SendAsync(writer, "general", Guid.NewGuid(), $"m{i}");
        }

        Assert.Equal(5, (await rooms.ListAsync(reader)).Single().Unread);

        await rooms.MarkReadAsync(reader, "general", 3);
        Assert.Equal(2, (await rooms.ListAsync(reader)).Single().Unread);

        await rooms.MarkReadAsync(reader, "general", 1); // an older tab reporting late
        Assert.Equal(2, (await rooms.ListAsync(reader)).Single().Unread);

        await rooms.MarkReadAsync(reader, "general", 500); // clamped to the last message
        Assert.Equal(0, (await rooms.ListAsync(reader)).Single().Unread);
    }

    [Fact]
    public async Task MarkReadAsync_UnknownRoom_IsNotFound()
    {
        var reader = await _database.AddUserAsync("Reader", CommunityRoles.Customer);
        var refusal = await Assert.ThrowsAsync<CommunityException>(() => _database.Get<RoomService>().MarkReadAsync(reader, "nowhere", 1));
        Assert.Equal(CommunityError.NotFound, refusal.Error);
    }
}
