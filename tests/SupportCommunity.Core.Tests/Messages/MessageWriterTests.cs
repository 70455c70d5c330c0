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

    [Fact]
    public async Task WriteAsync_StoresEveryColumnAsEfCoreWould_AndReturnsTheDatabaseIds()
    {
        // The writer's INSERT bypasses SaveChanges; a row EF Core adds itself is the reference for every column's
        // stored form (dates and GUIDs are text in SQLite, compared and ordered as text).
        var createdAt = new DateTimeOffset(2026, 11, 26, 23, 50, 1, 234, TimeSpan.FromHours(2));
        var clientId = Guid.NewGuid();
        var written = await _database.Get<MessageWriter>().WriteAsync(
            new NewMessage(_general, "general", _author, clientId, "by the writer", 7, createdAt));
        await using var db = await _database.CreateDbContextAsync();
        var reference = new Message
        {
            RoomId = _billing, Sequence = 1, Revision = 1, CreatedRevision = 1, ClientMessageId = Guid.NewGuid(), AuthorId = _author.UserId,
            AuthorName = _author.DisplayName, AuthorRole = _author.PrimaryRole, Body = "by EF Core", ReplyToSequence = 7, CreatedAt = createdAt,
        };
        db.Messages.Add(reference);
        await db.SaveChangesAsync();

        var rows = await db.Database.SqlQueryRaw<StoredColumns>(
            "SELECT \"Id\", \"CreatedAt\", typeof(\"CreatedAt\") AS \"CreatedAtType\", \"ClientMessageId\", typeof(\"ClientMessageId\") AS \"ClientMessageIdType\", "
            + "typeof(\"ReplyToSequence\") AS \"ReplyType\", typeof(\"EditedAt\") AS \"EditedAtType\", \"Reactions\", \"ReplyCount\", \"HelpedPrivately\" FROM \"Messages\" ORDER BY \"Id\"")
            .ToListAsync();

        Assert.Equal(2, rows.Count);
        var (mine, theirs) = (rows[0], rows[1]);
        Assert.Equal(written.Id, mine.Id);
        Assert.Equal(reference.Id, theirs.Id);
        Assert.Equal(theirs.CreatedAt, mine.CreatedAt);
        Assert.Equal(theirs with { Id = 0, ClientMessageId = "" }, mine with { Id = 0, ClientMessageId = "" });
        Assert.Equal(clientId.ToString().ToUpperInvariant(), mine.ClientMessageId);
        Assert.Equal(reference.ClientMessageId.ToString().ToUpperInvariant(), theirs.ClientMessageId);

        var readBack = await db.Messages.AsNoTracking().SingleAsync(m => m.Id == written.Id);
        Assert.Equal((createdAt, clientId, "by the writer", 7L, _general), (readBack.CreatedAt, readBack.ClientMessageId, readBack.Body, readBack.ReplyToSequence!.Value, readBack.RoomId));
    }

    [Fact]
    public async Task AppendAsync_250RowsInTwoRooms_StoresThemAllNumberedWithIds()
    {
        var batch = Enumerable.Range(0, 250).Select(i => Message(i % 3 == 0 ? _billing : _general, "x", $"bulk {i}")).ToList();
        await using var db = await _database.CreateDbContextAsync();

        await using var rows = new MessageRows(db);
        var stored = await MessageWriter.AppendAsync(rows, batch, CancellationToken.None);

        Assert.Equal(250, await db.Messages.CountAsync());
        Assert.Equal(stored.Select(m => m.Id).Order(), await db.Messages.Select(m => m.Id).OrderBy(id => id).ToListAsync());
        Assert.All(stored, m => Assert.True(m.Id > 0));
        Assert.Equal(Enumerable.Range(1, 84).Select(i => (long)i), stored.Where(m => m.RoomId == _billing).Select(m => m.Sequence));
        Assert.Equal(Enumerable.Range(1, 166).Select(i => (long)i), stored.Where(m => m.RoomId == _general).Select(m => m.Sequence));
        var byId = await db.Messages.AsNoTracking().ToDictionaryAsync(m => m.Id);
        Assert.All(stored, m => Assert.Equal((m.RoomId, m.Sequence, m.Body), (byId[m.Id].RoomId, byId[m.Id].Sequence, byId[m.Id].Body)));
    }

    private sealed record StoredColumns(
        long Id, string CreatedAt, string CreatedAtType, string ClientMessageId, string ClientMessageIdType, string ReplyType, string EditedAtType,
        string Reactions, int ReplyCount, bool HelpedPrivately);
}
