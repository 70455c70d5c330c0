using System.Collections.Concurrent;
using Microsoft.EntityFrameworkCore;

namespace SupportCommunity.Data;

/// <summary>
/// A few contexts with their connections held open, each lent to one caller at a time, for the reads of the hot paths:
/// a member's send, a history page, a room's catch-up on (re)join. Opening a pooled connection costs more than such a
/// read (SQLite sets up every connection it hands out again: EF Core's functions, the interceptors), so these stay
/// open (ADR-0017). One set per node, shared. A context that failed is closed, not kept.
/// </summary>
public sealed class OpenContexts(IDbContextFactory<CommunityDbContext> factory, int keep) : IDisposable
{
    private readonly ConcurrentQueue<CommunityDbContext> _idle = new();
    private int _idleCount;
    private bool _disposed;

    /// <summary>An idle open context, or a new one opened now.</summary>
    public async ValueTask<CommunityDbContext> RentAsync(CancellationToken cancellationToken)
    {
        if (_idle.TryDequeue(out var kept))
        {
            Interlocked.Decrement(ref _idleCount);
            return kept;
        }

        return await OpenAsync(factory, cancellationToken);
    }

    /// <summary>Takes the context back: kept, forgetting what it tracked, if it is sound and there is room; closed otherwise.</summary>
    public ValueTask ReturnAsync(CommunityDbContext db, bool sound)
    {
        if (sound && !Volatile.Read(ref _disposed) && db.Database.CurrentTransaction is null)
        {
            if (Interlocked.Increment(ref _idleCount) <= keep)
            {
                db.ChangeTracker.Clear();
                _idle.Enqueue(db);
                if (Volatile.Read(ref _disposed))
                {
                    // Disposed while this one came back: it must not stay open in a queue no one drains again.
                    Dispose();
                }

                return ValueTask.CompletedTask;
            }

            Interlocked.Decrement(ref _idleCount);
        }

        return db.DisposeAsync();
    }

    /// <summary>
    /// Runs <paramref name="read"/> on a lent context and takes it back; a refusal (<see cref="CommunityException"/>)
    /// leaves it sound, any other failure closes it.
    /// </summary>
    public async Task<T> ReadAsync<T>(Func<CommunityDbContext, Task<T>> read, CancellationToken cancellationToken)
    {
        var db = await RentAsync(cancellationToken);
        var sound = false;
        try
        {
            var result = await read(db);
            sound = true;
            return result;
        }
        catch (CommunityException)
        {
            sound = true;
            throw;
        }
        finally
        {
            await ReturnAsync(db, sound);
        }
    }

    /// <summary>A context of its own with its connection held open until it is disposed.</summary>
    public static async Task<CommunityDbContext> OpenAsync(IDbContextFactory<CommunityDbContext> factory, CancellationToken cancellationToken)
    {
        var db = await factory.CreateDbContextAsync(cancellationToken);
        try
        {
            await db.Database.OpenConnectionAsync(cancellationToken);
            return db;
        }
        catch
        {
            await db.DisposeAsync();
            throw;
        }
    }

    public void Dispose()
    {
        Volatile.Write(ref _disposed, true);
        while (_idle.TryDequeue(out var db))
        {
            db.Dispose();
        }
    }
}
