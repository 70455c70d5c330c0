using System.Data;
using Microsoft.EntityFrameworkCore;
using SupportCommunity.Data;
using SupportCommunity.Rooms;

namespace SupportCommunity.Core.Tests.Data;

/// <summary>The contexts kept open for the hot paths' reads: lent one at a time, kept only when sound, never more than asked.</summary>
public sealed class OpenContextsTests : IAsyncLifetime
{
    private readonly CommunityDatabase _database = new();

    public Task InitializeAsync() => _database.InitializeAsync();

    public Task DisposeAsync() => _database.DisposeAsync();

    [Fact]
    public async Task Return_KeepsSoundContextsUpToItsLimitAndOpen_ClosesTheRest()
    {
        using var contexts = new OpenContexts(_database.Get<IDbContextFactory<CommunityDbContext>>(), keep: 1);
        var first = await contexts.RentAsync(CancellationToken.None);
        var second = await contexts.RentAsync(CancellationToken.None);
        Assert.NotSame(first, second);
        Assert.Equal(ConnectionState.Open, first.Database.GetDbConnection().State);

        // What a caller tracked is forgotten before the next caller gets the context.
        first.Rooms.Attach(new Room { Id = 999, Slug = "tracked", Name = "Tracked" });
        await contexts.ReturnAsync(first, sound: true);
        await contexts.ReturnAsync(second, sound: true);
        Assert.Throws<ObjectDisposedException>(() => second.Model);

        var again = await contexts.RentAsync(CancellationToken.None);
        Assert.Same(first, again);
        Assert.Empty(again.ChangeTracker.Entries());
        Assert.Equal(ConnectionState.Open, again.Database.GetDbConnection().State);
        Assert.Equal(0, await again.Rooms.CountAsync(r => r.Slug == "tracked"));

        // A context out on loan is never lent twice.
        var meanwhile = await contexts.RentAsync(CancellationToken.None);
        Assert.NotSame(again, meanwhile);
        await contexts.ReturnAsync(meanwhile, sound: false);

        // A context whose caller failed is closed, and the next caller gets a new one.
        await contexts.ReturnAsync(again, sound: false);
        Assert.Throws<ObjectDisposedException>(() => again.Model);
        var fresh = await contexts.RentAsync(CancellationToken.None);
        Assert.NotSame(first, fresh);
        await contexts.ReturnAsync(fresh, sound: true);
    }

    [Fact]
    public async Task ReadAsync_KeepsTheContextAfterAReadOrARefusal_ClosesItAfterAnyOtherFailure()
    {
        using var contexts = new OpenContexts(_database.Get<IDbContextFactory<CommunityDbContext>>(), keep: 1);
        CommunityDbContext? used = null;
        var answer = await contexts.ReadAsync(
            db => (used = db).Database.SqlQueryRaw<int>("SELECT 42 AS \"Value\"").SingleAsync(), CancellationToken.None);
        Assert.Equal(42, answer);

        // A refusal is an answer, not a fault of the context: it is lent again.
        await Assert.ThrowsAsync<CommunityException>(() => contexts.ReadAsync<int>(
            db => db == used ? throw CommunityException.NotFound("No such room.") : Task.FromResult(0), CancellationToken.None));
        Assert.Equal(ConnectionState.Open, used!.Database.GetDbConnection().State);

        // Anything else may have left it in any state: closed, and the next read gets another.
        await Assert.ThrowsAsync<InvalidOperationException>(() => contexts.ReadAsync<int>(
            db => db == used ? throw new InvalidOperationException("broken") : Task.FromResult(0), CancellationToken.None));
        Assert.Throws<ObjectDisposedException>(() => used.Model);
        var next = await contexts.ReadAsync(db => Task.FromResult(db), CancellationToken.None);
        Assert.NotSame(used, next);
    }

    [Fact]
    public async Task Dispose_ClosesTheKeptContexts_AndLaterReturnsAreClosedToo()
    {
        var contexts = new OpenContexts(_database.Get<IDbContextFactory<CommunityDbContext>>(), keep: 4);
        var kept = await contexts.RentAsync(CancellationToken.None);
        var lent = await contexts.RentAsync(CancellationToken.None);
        await contexts.ReturnAsync(kept, sound: true);

        contexts.Dispose();
        Assert.Throws<ObjectDisposedException>(() => kept.Model);
        await contexts.ReturnAsync(lent, sound: true);
        Assert.Throws<ObjectDisposedException>(() => lent.Model);
    }
}
