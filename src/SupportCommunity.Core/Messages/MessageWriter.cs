using System.Threading.Channels;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Logging;
using SupportCommunity.Data;
using SupportCommunity.Events;
using SupportCommunity.Identity;

namespace SupportCommunity.Messages;

/// <summary>
/// A validated message waiting to be stored. <paramref name="Admit"/> runs only if the send is new (not a retry of a
/// stored one) and refuses it by throwing, for limits that must not count a retry twice. It may be asynchronous (the
/// flood limit shared through Redis): the new sends of a batch are admitted concurrently.
/// </summary>
internal sealed record NewMessage(
    int RoomId,
    string RoomSlug,
    Actor Author,
    Guid ClientMessageId,
    string Text,
    long? ReplyToSequence,
    DateTimeOffset CreatedAt,
    Func<ValueTask>? Admit = null);

/// <summary>
/// Stores sends by group commit: whatever sends are waiting when the writer is free go into one transaction (one
/// disk flush for all of them), are acknowledged after the commit, and are published in sequence order. Retries
/// (a client message id its author already used) are answered with the stored message, found for the whole batch by
/// one check. A send that fails alone (for example a unique-index race with another node) is retried alone, so it
/// cannot fail the others. The writer keeps one connection with its statements prepared (<see cref="MessageRows"/>,
/// ADR-0016) and opens a new one after a failed batch.
/// </summary>
/// <remarks>
/// A retry of a recent message is also announced again (once per message on each node): the node that stored it may
/// have died between its commit and its fan-out, and then the retry is the first the room hears of it. Clients keep one
/// copy per sequence, so an announcement they already had changes nothing.
/// </remarks>
public sealed partial class MessageWriter : IAsyncDisposable
{
    /// <summary>Large enough to absorb a burst, small enough to keep one transaction short.</summary>
    public const int MaxBatch = 256;

    /// <summary>
    /// How long after its commit a retried message is announced again. A sender retries within seconds of a lost
    /// acknowledgement; an older retry (an outbox sent long after) finds a room that has long caught up.
    /// </summary>
    public static readonly TimeSpan AnnounceRetriesFor = TimeSpan.FromMinutes(2);

    // A batch's retries: the sends already stored under their authors' client message ids, read when the writer's
    // prepared check found any.
    private static readonly Func<CommunityDbContext, string[], Guid[], IAsyncEnumerable<Message>> StoredSends =
        EF.CompileAsyncQuery((CommunityDbContext db, string[] authors, Guid[] ids) =>
            db.Messages.AsNoTracking().Where(m => authors.Contains(m.AuthorId) && ids.Contains(m.ClientMessageId)));

    // One send: every refused send, which may be a retry of a stored one.
    private static readonly Func<CommunityDbContext, string, Guid, CancellationToken, Task<Message?>> StoredSend =
        EF.CompileAsyncQuery((CommunityDbContext db, string authorId, Guid clientMessageId, CancellationToken _) =>
            db.Messages.AsNoTracking().SingleOrDefault(m => m.AuthorId == authorId && m.ClientMessageId == clientMessageId));

    private readonly IDbContextFactory<CommunityDbContext> _dbFactory;
    private readonly IRoomEventBus _bus;
    private readonly ILogger<MessageWriter> _logger;
    private readonly TimeProvider _clock;
    private readonly Dictionary<long, DateTimeOffset> _announcedAgain = [];
    private readonly Channel<(NewMessage Message, TaskCompletionSource<Message> Done)> _queue =
        Channel.CreateUnbounded<(NewMessage, TaskCompletionSource<Message>)>(new UnboundedChannelOptions { SingleReader = true });
    private readonly Task _loop;
    // The writer's own connection and prepared statements, kept between batches; dropped after a failure.
    private MessageRows? _rows;

    public MessageWriter(IDbContextFactory<CommunityDbContext> dbFactory, IRoomEventBus bus, TimeProvider clock, ILogger<MessageWriter> logger)
    {
        _dbFactory = dbFactory;
        _bus = bus;
        _clock = clock;
        _logger = logger;
        _loop = Task.Run(RunAsync);
    }

    /// <summary>Completes once the message is committed (and handed to the bus), with its sequence assigned.</summary>
    internal Task<Message> WriteAsync(NewMessage message)
    {
        var done = new TaskCompletionSource<Message>(TaskCreationOptions.RunContinuationsAsynchronously);
        if (!_queue.Writer.TryWrite((message, done)))
        {
            done.SetException(new ObjectDisposedException(nameof(MessageWriter), "The server is shutting down."));
        }

        return done.Task;
    }

    /// <summary>The message stored under this author's client message id, if any (a retry's answer).</summary>
    internal static Task<Message?> FindStoredAsync(CommunityDbContext db, string authorId, Guid clientMessageId, CancellationToken cancellationToken) =>
        StoredSend(db, authorId, clientMessageId, cancellationToken);

    /// <summary>
    /// Appends messages in one transaction, numbering each room's messages consecutively. Shared by the writer and
    /// the demo seed.
    /// </summary>
    internal static async Task<IReadOnlyList<Message>> AppendAsync(
        MessageRows rows, IReadOnlyList<NewMessage> batch, CancellationToken cancellationToken)
    {
        var db = rows.Db;
        await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
        var stored = new Message[batch.Count];
        foreach (var room in batch.Select((m, i) => (m, i)).GroupBy(x => x.m.RoomId))
        {
            var count = room.Count();
            var counters = await rows.ReserveAsync(room.Key, count, cancellationToken);

            var offset = count - 1;
            foreach (var (message, index) in room)
            {
                stored[index] = new Message
                {
                    RoomId = message.RoomId,
                    Sequence = counters.LastSequence - offset,
                    Revision = counters.Revision - offset,
                    CreatedRevision = counters.Revision - offset,
                    ClientMessageId = message.ClientMessageId,
                    AuthorId = message.Author.UserId,
                    AuthorName = message.Author.DisplayName,
                    AuthorRole = message.Author.PrimaryRole,
                    Body = message.Text,
                    ReplyToSequence = message.ReplyToSequence,
                    CreatedAt = message.CreatedAt,
                };
                offset--;
            }
        }

        // Each thread's first message counts its replies (clients count the live ones themselves).
        foreach (var thread in batch.Where(m => m.ReplyToSequence is not null).GroupBy(m => (m.RoomId, Root: m.ReplyToSequence!.Value)))
        {
            var replies = thread.Count();
            var (threadRoomId, root) = thread.Key;
            await db.Messages.Where(m => m.RoomId == threadRoomId && m.Sequence == root)
                .ExecuteUpdateAsync(s => s.SetProperty(m => m.ReplyCount, m => m.ReplyCount + replies), cancellationToken);
        }

        await rows.InsertAsync(stored, cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        return stored;
    }

    private async Task RunAsync()
    {
        var batch = new List<(NewMessage Message, TaskCompletionSource<Message> Done)>(MaxBatch);
        var previousBatch = 0;
        while (await _queue.Reader.WaitToReadAsync())
        {
            TakeWaiting();

            // Under load (the last batch was shared), let the thread pool run what is queued before this batch goes:
            // sends on their way to the writer join it, and one commit (one disk flush) serves more of them. A quiet
            // room's send, alone in its batch, goes at once.
            if (previousBatch > 1)
            {
                await Task.Yield();
                TakeWaiting();
            }

            previousBatch = batch.Count;
            await WriteBatchAsync(batch);
            batch.Clear();
        }

        void TakeWaiting()
        {
            while (batch.Count < MaxBatch && _queue.Reader.TryRead(out var item))
            {
                batch.Add(item);
            }
        }
    }

    private async Task WriteBatchAsync(List<(NewMessage Message, TaskCompletionSource<Message> Done)> batch)
    {
        List<(NewMessage Message, TaskCompletionSource<Message> Done)> admitted;
        IReadOnlyList<Message> stored;
        var retried = new List<(Message Stored, string RoomSlug)>();
        try
        {
            var rows = _rows ??= await MessageRows.OpenAsync(_dbFactory);
            admitted = await AnswerRetriesAsync(rows, batch, retried);
            foreach (var (message, roomSlug) in retried)
            {
                await AnnounceRetryAsync(message, roomSlug);
            }

            if (admitted.Count == 0)
            {
                return;
            }

            stored = await AppendAsync(rows, [.. admitted.Select(b => b.Message)], CancellationToken.None);
        }
        catch (Exception ex) when (CommunityException.IsTransient(ex))
        {
            await DropConnectionAsync();
            // The database is busy (a write lock held elsewhere): storing these one by one would wait as long again for
            // each. Nothing was stored; every sender is told to retry, with the same client message id.
            BatchBusy(ex, batch.Count);
            foreach (var item in batch)
            {
                item.Done.TrySetException(CommunityException.Busy());
            }

            return;
        }
        catch (Exception ex) when (batch.Count > 1)
        {
            await DropConnectionAsync();
            BatchFailed(ex, batch.Count);
            foreach (var item in batch.Where(b => !b.Done.Task.IsCompleted))
            {
                await WriteBatchAsync([item]);
            }

            return;
        }
        catch (Exception ex)
        {
            await DropConnectionAsync();
            batch[0].Done.TrySetException(ex);
            return;
        }

        // Publish in sequence order before acknowledging, so live listeners see the room in order.
        foreach (var (message, i) in stored.Select((m, i) => (m, i)).OrderBy(x => x.m.RoomId).ThenBy(x => x.m.Sequence))
        {
            await PublishAsync(new MessagePosted(MessageDto.From(message, admitted[i].Message.RoomSlug)));
        }

        for (var i = 0; i < admitted.Count; i++)
        {
            admitted[i].Done.TrySetResult(stored[i]);
        }
    }

    /// <summary>
    /// Completes the retries in a batch with the message already stored for them (or a conflict, if that was in
    /// another room), runs the admission check of the new ones, and returns those admitted. Two copies of one send in
    /// the same batch are stored once and both get it.
    /// </summary>
    /// <summary>After a failed batch the connection may be in any state: the next batch opens a new one.</summary>
    private async Task DropConnectionAsync()
    {
        if (_rows is { } rows)
        {
            _rows = null;
            await rows.DisposeAsync();
        }
    }

    private static async Task<List<(NewMessage Message, TaskCompletionSource<Message> Done)>> AnswerRetriesAsync(
        MessageRows rows,
        List<(NewMessage Message, TaskCompletionSource<Message> Done)> batch,
        List<(Message Stored, string RoomSlug)> retried)
    {
        var earlier = new Dictionary<(string AuthorId, Guid ClientMessageId), Message>();
        // A prepared existence check first: retries are rare, and reading the messages costs a query through EF Core.
        if (await rows.AnyStoredAsync([.. batch.Select(b => (b.Message.Author.UserId, b.Message.ClientMessageId))], CancellationToken.None))
        {
            var authors = batch.Select(b => b.Message.Author.UserId).Distinct().ToArray();
            var ids = batch.Select(b => b.Message.ClientMessageId).Distinct().ToArray();
            await foreach (var stored in StoredSends(rows.Db, authors, ids))
            {
                earlier[(stored.AuthorId, stored.ClientMessageId)] = stored;
            }
        }

        var candidates = new List<(NewMessage Message, TaskCompletionSource<Message> Done)>(batch.Count);
        var firstCopies = new Dictionary<(string, Guid), (NewMessage Message, TaskCompletionSource<Message> Done)>();
        foreach (var item in batch)
        {
            var key = (item.Message.Author.UserId, item.Message.ClientMessageId);
            if (earlier.TryGetValue(key, out var stored))
            {
                Answer(item, stored.RoomId, Task.FromResult(stored));
                if (stored.RoomId == item.Message.RoomId)
                {
                    retried.Add((stored, item.Message.RoomSlug));
                }
            }
            else if (firstCopies.TryGetValue(key, out var first))
            {
                Answer(item, first.Message.RoomId, first.Done.Task);
            }
            else
            {
                firstCopies.Add(key, item);
                candidates.Add(item);
            }
        }

        var admissions = candidates.Select(item => AdmitAsync(item.Message)).ToList();
        var admitted = new List<(NewMessage Message, TaskCompletionSource<Message> Done)>(candidates.Count);
        for (var i = 0; i < candidates.Count; i++)
        {
            if (await admissions[i] is { } refusal)
            {
                candidates[i].Done.TrySetException(refusal);
            }
            else
            {
                admitted.Add(candidates[i]);
            }
        }

        return admitted;

        static async Task<Exception?> AdmitAsync(NewMessage message)
        {
            try
            {
                if (message.Admit is { } admit)
                {
                    await admit();
                }

                return null;
            }
            catch (Exception refusal)
            {
                return refusal;
            }
        }

        static void Answer((NewMessage Message, TaskCompletionSource<Message> Done) retry, int storedRoomId, Task<Message> stored)
        {
            if (storedRoomId != retry.Message.RoomId)
            {
                retry.Done.TrySetException(new CommunityException(
                    CommunityError.Conflict, "This clientMessageId was already used for a message in another room."));
                return;
            }

            _ = stored.ContinueWith(
                (t, state) => ((TaskCompletionSource<Message>)state!).TrySetFromTask(t),
                retry.Done,
                CancellationToken.None,
                TaskContinuationOptions.ExecuteSynchronously,
                TaskScheduler.Default);
        }
    }

    /// <summary>
    /// Announces a retried message again if it is recent and this node has not announced it again already (see the
    /// remarks on the class). Once per message and node: repeating a retry cannot make a room hear a message twice
    /// from one node.
    /// </summary>
    internal Task AnnounceRetryAsync(Message stored, string roomSlug)
    {
        var now = _clock.GetUtcNow();
        if (now - stored.CreatedAt > AnnounceRetriesFor)
        {
            return Task.CompletedTask;
        }

        lock (_announcedAgain)
        {
            if (!_announcedAgain.TryAdd(stored.Id, now))
            {
                return Task.CompletedTask;
            }

            if (_announcedAgain.Count > 1024)
            {
                foreach (var old in _announcedAgain.Where(a => now - a.Value > AnnounceRetriesFor).Select(a => a.Key).ToList())
                {
                    _announcedAgain.Remove(old);
                }
            }
        }

        return PublishAsync(new MessagePosted(MessageDto.From(stored, roomSlug)) { Again = true });
    }

    /// <summary>A failed fan-out never fails a committed send: clients catch up from the database.</summary>
    private async Task PublishAsync(RoomEvent roomEvent)
    {
        try
        {
            await _bus.PublishAsync(roomEvent, CancellationToken.None);
        }
        catch (Exception ex)
        {
            PublishFailed(ex, roomEvent.RoomSlug);
        }
    }

    public async ValueTask DisposeAsync()
    {
        _queue.Writer.TryComplete();
        await _loop;
        await DropConnectionAsync();
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "The database was busy: a batch of {Count} sends was not stored and its senders were told to retry")]
    private partial void BatchBusy(Exception exception, int count);

    [LoggerMessage(Level = LogLevel.Warning, Message = "A batch of {Count} sends failed; storing them one by one")]
    private partial void BatchFailed(Exception exception, int count);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Publishing a room event for {RoomSlug} failed; clients will catch up")]
    private partial void PublishFailed(Exception exception, string roomSlug);
}
