using Microsoft.EntityFrameworkCore;
using SupportCommunity.Identity;
using SupportCommunity.Messages;

namespace SupportCommunity.Core.Tests.Messages;

public sealed class MessageWriterTests : IAsyncLifetime
{
    private readonly CommunityDatabase _database = new();
    private Actor _author = default!;
    private int _general;
    private int _billing;

    public async Task InitializeAsync()
    {
        await _database.InitializeAsync();
        _general = (await _database.AddRoomAsync("general")).Id;
        _billing = (await _database.AddRoomAsync("billing")).Id;
        _author = await _database.AddUserAsync("Writer", CommunityRoles.Customer);
    }

    public Task DisposeAsync() => _database.DisposeAsync();

    private NewMessage Message(int roomId, string slug, string text) =>
        new(roomId, slug, _author, Guid.NewGuid(), text, null, DateTimeOffset.UtcNow);

    [Fact]
    public async Task WriteAsync_ConcurrentSendsToTwoRooms_NumberEachRoomWithoutGaps()
    {
        var writer = _database.Get<MessageWriter>();
        var writes = Enumerable.Range(0, 40)
            .Select(i => i % 2 == 0 ? Message(_general, "general", $"g{i}") : Message(_billing, "billing", $"b{i}"))
            .Select(m => Task.Run(() => writer.WriteAsync(m)))
            .ToList();

        var stored = await Task.WhenAll(writes);

        Assert.Equal(Enumerable.Range(1, 20).Select(i => (long)i), stored.Where(m => m.RoomId == _general).Select(m => m.Sequence).Order());
        Assert.Equal(Enumerable.Range(1, 20).Select(i => (long)i), stored.Where(m => m.RoomId == _billing).Select(m => m.Sequence).Order());
        Assert.All(stored, m => Assert.Equal(m.Sequence, m.Revision));
        Assert.All(stored, m => Assert.Equal(m.Revision, m.CreatedRevision));
    }

    [Fact]
    public async Task WriteAsync_OneBadSendInABatch_FailsAloneAndTheOthersAreStored()
    {
        var writer = _database.Get<MessageWriter>();
        var good = Enumerable.Range(0, 10).Select(i => writer.WriteAsync(Message(_general, "general", $"ok {i}"))).ToList();
        var bad = writer.WriteAsync(Message(roomId: 999_999, "nowhere", "no such room"));
        good.AddRange(Enumerable.Range(10, 10).Select(i => writer.WriteAsync(Message(_general, "general", $"ok {i}"))));

        await Assert.ThrowsAnyAsync<Exception>(() => bad);
        var stored = await Task.WhenAll(good);

        Assert.Equal(Enumerable.Range(1, 20).Select(i => (long)i), stored.Select(m => m.Sequence).Order());
        await using var db = await _database.CreateDbContextAsync();
        Assert.Equal(20, await db.Messages.CountAsync());
        Assert.Equal(20, await db.Rooms.Where(r => r.Id == _general).Select(r => r.LastSequence).SingleAsync());
    }
}
