using System.Collections.Concurrent;

namespace SupportCommunity.Web.Tests.ScaleOut;

/// <summary>
/// A steady stream of sends: each sender sends one message per <c>interval</c>, waiting for its acknowledgement
/// before the next. Stopping lets each sender finish the send it is in, so every message sent is either acknowledged
/// or recorded as failed, never abandoned half way.
/// </summary>
public sealed class Traffic : IAsyncDisposable
{
    private readonly ConcurrentQueue<SentMessage> _acked = new();
    private readonly ConcurrentQueue<string> _failures = new();
    private readonly CancellationTokenSource _stop = new();
    private readonly List<Task> _loops = [];
    private int _sent;
    private volatile string _phase = "before";

    private Traffic()
    {
    }

    /// <summary>Which part of the test the next sends belong to; stamped on each acknowledged message.</summary>
    public string Phase
    {
        get => _phase;
        set => _phase = value;
    }

    public int Sent => Volatile.Read(ref _sent);

    public int AckedCount => _acked.Count;

    public IReadOnlyList<SentMessage> Acked => [.. _acked];

    /// <summary>Sends that failed for good (after the sender's retries).</summary>
    public IReadOnlyList<string> Failures => [.. _failures];

    public static Traffic Start(IEnumerable<RoomReplica> senders, TimeSpan interval)
    {
        var traffic = new Traffic();
        foreach (var sender in senders)
        {
            traffic._loops.Add(Task.Run(() => traffic.SendLoopAsync(sender, interval)));
        }

        return traffic;
    }

    /// <summary>
    /// Starts <paramref name="count"/> sends from <paramref name="sender"/> at once, besides the steady stream, and
    /// returns without waiting for them: <see cref="StopAsync"/> waits for them too.
    /// </summary>
    public void Burst(RoomReplica sender, int count)
    {
        var phase = Phase;
        for (var i = 1; i <= count; i++)
        {
            var body = $"{sender.Name} burst {i} ({phase})";
            Interlocked.Increment(ref _sent);
            lock (_loops)
            {
                _loops.Add(Task.Run(async () =>
                {
                    try
                    {
                        _acked.Enqueue(await sender.SendAsync(body) with { Phase = phase });
                    }
                    catch (Exception ex)
                    {
                        _failures.Enqueue($"{body}: {ex.GetType().Name}: {ex.Message}");
                    }
                }));
            }
        }
    }

    /// <summary>Waits until <paramref name="count"/> more sends than now are acknowledged.</summary>
    public Task WaitForMoreAcksAsync(int count, TimeSpan timeout)
    {
        var target = AckedCount + count;
        return Eventually.HoldsAsync(
            () => AckedCount >= target || !_failures.IsEmpty,
            timeout,
            $"{target} sends acknowledged (now {AckedCount}, {_failures.Count} failed)");
    }

    public async Task StopAsync()
    {
        await _stop.CancelAsync();
        Task[] loops;
        lock (_loops)
        {
            loops = [.. _loops];
        }

        await Task.WhenAll(loops);
    }

    public async ValueTask DisposeAsync()
    {
        await StopAsync();
        _stop.Dispose();
    }

    private async Task SendLoopAsync(RoomReplica sender, TimeSpan interval)
    {
        using var timer = new PeriodicTimer(interval);
        var n = 0;
        while (!_stop.IsCancellationRequested)
        {
            try
            {
                if (!await timer.WaitForNextTickAsync(_stop.Token))
                {
                    return;
                }
            }
            catch (OperationCanceledException)
            {
                return;
            }

            n++;
            var phase = Phase;
            Interlocked.Increment(ref _sent);
            try
            {
                var sent = await sender.SendAsync($"{sender.Name} #{n} ({phase})");
                _acked.Enqueue(sent with { Phase = phase, Ordinal = n });
            }
            catch (Exception ex)
            {
                _failures.Enqueue($"{sender.Name} #{n} ({phase}): {ex.GetType().Name}: {ex.Message}");
            }
        }
    }
}
