using System.Diagnostics;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Diagnostics;

namespace SupportCommunity.Benchmarks.Measurement;

/// <summary>
/// Counts the transactions EF Core commits in this process while it is alive, so a run can report how many sends
/// each commit carried (the group commit's batch size). It subscribes to that one event only, so EF builds no event
/// data for anything else.
/// </summary>
public sealed class EfCommitCounter : IObserver<DiagnosticListener>, IObserver<KeyValuePair<string, object?>>, IDisposable
{
    private static readonly string Committed = RelationalEventId.TransactionCommitted.Name ?? "";
    private readonly List<IDisposable> _subscriptions = [];
    private readonly IDisposable _listeners;
    private long _commits;

    public EfCommitCounter() => _listeners = DiagnosticListener.AllListeners.Subscribe(this);

    public long Commits => Interlocked.Read(ref _commits);

    void IObserver<DiagnosticListener>.OnNext(DiagnosticListener value)
    {
        if (value.Name == DbLoggerCategory.Name)
        {
            lock (_subscriptions)
            {
                _subscriptions.Add(value.Subscribe(this, name => name == Committed));
            }
        }
    }

    void IObserver<KeyValuePair<string, object?>>.OnNext(KeyValuePair<string, object?> value)
    {
        if (value.Key == Committed)
        {
            Interlocked.Increment(ref _commits);
        }
    }

    void IObserver<DiagnosticListener>.OnCompleted()
    {
    }

    void IObserver<DiagnosticListener>.OnError(Exception error)
    {
    }

    void IObserver<KeyValuePair<string, object?>>.OnCompleted()
    {
    }

    void IObserver<KeyValuePair<string, object?>>.OnError(Exception error)
    {
    }

    public void Dispose()
    {
        _listeners.Dispose();
        lock (_subscriptions)
        {
            foreach (var subscription in _subscriptions)
            {
                subscription.Dispose();
            }

            _subscriptions.Clear();
        }
    }
}
