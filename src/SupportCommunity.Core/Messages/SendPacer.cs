using System.Collections.Concurrent;

namespace SupportCommunity.Messages;

/// <summary>
/// Keeps one member's sends in one room at least a spacing apart (<see cref="CommunityLimits.FloodSpacing"/>): each
/// send books the next free turn, and waits for it when it is not now. In memory, on each node.
/// </summary>
internal sealed class SendPacer(TimeSpan spacing, TimeProvider clock)
{
    /// <summary>Sends of one member in one room that may wait for their turn at once; more are refused.</summary>
    public const int MaxWaiting = 32;

    /// <summary>Past this many members' turns, those long past are forgotten (checked at most once a spacing).</summary>
    private const int SweepAbove = 1024;

    private readonly ConcurrentDictionary<FloodKey, Turns> _turns = new();
    private readonly long _spacing = (long)(spacing.TotalSeconds * clock.TimestampFrequency);
    private long _lastSweep;

    /// <summary>How many members' turns are kept (for tests).</summary>
    internal int Remembered => _turns.Count;

    /// <summary>Waits until this send's turn; false, without waiting, when too many of the member's sends wait already.</summary>
    public async ValueTask<bool> WaitTurnAsync(FloodKey key, CancellationToken cancellationToken)
    {
        var now = clock.GetTimestamp();
        long turn;
        while (true)
        {
            var turns = _turns.GetOrAdd(key, static _ => new Turns());
            lock (turns)
            {
                if (turns.Forgotten)
                {
                    continue; // swept meanwhile: book on the entry that replaced it
                }

                if (turns.Waiting >= MaxWaiting)
                {
                    return false;
                }

                turn = Math.Max(now, turns.Next);
                turns.Next = turn + _spacing;
                if (turn == now)
                {
                    break;
                }

                turns.Waiting++;
            }

            try
            {
                await Task.Delay(clock.GetElapsedTime(now, turn), clock, cancellationToken);
            }
            finally
            {
                lock (turns)
                {
                    turns.Waiting--;
                }
            }

            return true;
        }

        SweepIfDue(now);
        return true;
    }

    private void SweepIfDue(long now)
    {
        var last = Interlocked.Read(ref _lastSweep);
        if (_turns.Count <= SweepAbove || now - last < _spacing || Interlocked.CompareExchange(ref _lastSweep, now, last) != last)
        {
            return;
        }

        foreach (var (key, turns) in _turns)
        {
            lock (turns)
            {
                if (turns.Waiting == 0 && turns.Next <= now)
                {
                    turns.Forgotten = true;
                    _turns.TryRemove(new KeyValuePair<FloodKey, Turns>(key, turns));
                }
            }
        }
    }

    private sealed class Turns
    {
        /// <summary>The timestamp of the next free turn.</summary>
        public long Next;

        public int Waiting;

        public bool Forgotten;
    }
}
