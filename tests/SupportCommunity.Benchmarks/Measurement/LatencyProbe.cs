using System.Diagnostics;
using Microsoft.AspNetCore.SignalR.Client;
using SupportCommunity.Messages;

namespace SupportCommunity.Benchmarks.Measurement;

/// <summary>
/// The receiving side of a latency measurement. Attached once to every member connection; each measurement then
/// counts and times only the deliveries carrying its own run tag, so connections can stay open from one measurement
/// to the next (the load steps) without earlier messages leaking in.
/// </summary>
public sealed class LatencyProbe
{
    private ProbeWindow? _current;

    /// <summary>Registers the handlers; call before the connection starts.</summary>
    public void Attach(HubConnection connection)
    {
        // A plain synchronous handler: the client runs handlers one at a time per connection, so this must be quick.
        connection.On<MessageDto>("MessageReceived", message => Volatile.Read(ref _current)?.Observe(message.Body));
        // The app also sends presence and typing events; handle them so the client does not look for a handler.
        connection.On("PresenceChanged", [typeof(object), typeof(object)], _ => Task.CompletedTask);
        connection.On("UserTyping", [typeof(object), typeof(object)], _ => Task.CompletedTask);
        connection.On("MessageUpdated", [typeof(object)], _ => Task.CompletedTask);
        connection.On("Resync", [], _ => Task.CompletedTask);
    }

    public ProbeWindow Begin(string run, int capacity)
    {
        var window = new ProbeWindow(run, capacity);
        Volatile.Write(ref _current, window);
        return window;
    }

    public void End() => Volatile.Write(ref _current, null);

    /// <summary>For receivers that are not hub connections (a Redis subscriber).</summary>
    public void Observe(string? body) => Volatile.Read(ref _current)?.Observe(body);
}

/// <summary>The deliveries of one run.</summary>
public sealed class ProbeWindow(string run, int capacity)
{
    private readonly TaskCompletionSource _reached = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private long _expected = long.MaxValue;
    private int _received;

    public string Run { get; } = run;

    public LatencyRecorder Latencies { get; } = new(capacity);

    public int Received => Volatile.Read(ref _received);

    internal void Observe(string? body)
    {
        if (Payload.TryRead(body, Run, out var intended))
        {
            Latencies.Record(intended);
            if (Interlocked.Increment(ref _received) >= Volatile.Read(ref _expected))
            {
                _reached.TrySetResult();
            }
        }
    }

    /// <summary>Waits until <paramref name="expected"/> deliveries are in or the timeout passes; returns how many came.</summary>
    public async Task<int> WaitForAsync(long expected, TimeSpan timeout, CancellationToken cancellationToken)
    {
        Volatile.Write(ref _expected, expected);
        if (Received >= expected)
        {
            return Received;
        }

        try
        {
            await _reached.Task.WaitAsync(timeout, cancellationToken);
        }
        catch (TimeoutException)
        {
            // Some deliveries never came; the caller reports how many did.
        }

        return Received;
    }
}
