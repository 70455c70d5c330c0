using System.Data;
using Microsoft.EntityFrameworkCore;
using SupportCommunity.Data;
using SupportCommunity.Rooms;

namespace SupportCommunity.Core.Tests.Data;

/// <summary>The contexts kept open for admission's reads: lent one at a time, kept only when sound, never more than asked.</summary>
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
