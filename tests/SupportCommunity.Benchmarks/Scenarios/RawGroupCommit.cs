using System.Threading.Channels;
using SupportCommunity.Benchmarks.Hosting;
using SupportCommunity.Messages;

namespace SupportCommunity.Benchmarks.Scenarios;

/// <summary>
/// The least a durable send over a hub can cost here: group commit with nothing else. Whatever sends are waiting when
/// the loop is free go into one transaction of <see cref="RawMessageInsert"/>s, and each completes after the commit,
/// with the same batching rule as the app's writer (yield once before a batch when the last one was shared). No
/// validation, no idempotency check, no admission, no EF Core, no publish: a ceiling, not a design.
/// </summary>
public sealed class RawGroupCommit : IAsyncDisposable
{
    private readonly RawMessageInsert _insert;
    private readonly Channel<(Guid ClientMessageId, string Body, TaskCompletionSource<long> Done)> _queue =
        Channel.CreateUnbounded<(Guid, string, TaskCompletionSource<long>)>(new UnboundedChannelOptions { SingleReader = true });
    private readonly Task _loop;
    private long _commits;
    private long _rows;

    public RawGroupCommit(string databasePath, SqlitePragmas pragmas)
    {
        _insert = new RawMessageInsert(databasePath, pragmas);
        _loop = Task.Run(RunAsync);
    }

    /// <summary>Transactions committed so far.</summary>
    public long Commits => Volatile.Read(ref _commits);

    /// <summary>Rows committed so far.</summary>
    public long Rows => Volatile.Read(ref _rows);

    /// <summary>Completes with the row's sequence once its transaction is committed.</summary>
    public Task<long> StoreAsync(Guid clientMessageId, string body)
    {
        var done = new TaskCompletionSource<long>(TaskCreationOptions.RunContinuationsAsynchronously);
        if (!_queue.Writer.TryWrite((clientMessageId, body, done)))
        {
            done.SetException(new ObjectDisposedException(nameof(RawGroupCommit)));
        }

        return done.Task;
    }

    private async Task RunAsync()
    {
        var batch = new List<(Guid ClientMessageId, string Body, TaskCompletionSource<long> Done)>();
        var sequences = new List<long>();
        var previousBatch = 0;
        while (await _queue.Reader.WaitToReadAsync())
        {
            TakeWaiting();
            if (previousBatch > 1)
            {
                await Task.Yield();
                TakeWaiting();
            }

            previousBatch = batch.Count;
            sequences.Clear();
            try
            {
                using var transaction = _insert.Connection.BeginTransaction();
                foreach (var (clientMessageId, body, _) in batch)
                {
                    sequences.Add(_insert.Execute(transaction, clientMessageId, body));
                }

                transaction.Commit();
                Volatile.Write(ref _commits, _commits + 1);
                Volatile.Write(ref _rows, _rows + batch.Count);
                for (var i = 0; i < batch.Count; i++)
                {
                    batch[i].Done.TrySetResult(sequences[i]);
                }
            }
            catch (Exception ex)
            {
                batch.ForEach(b => b.Done.TrySetException(ex));
            }

            batch.Clear();
        }

        void TakeWaiting()
        {
            while (batch.Count < MessageWriter.MaxBatch && _queue.Reader.TryRead(out var item))
            {
                batch.Add(item);
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        _queue.Writer.TryComplete();
        await _loop;
        _insert.Dispose();
    }
}
