using System.Data.Common;
using System.Diagnostics;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Diagnostics;

namespace SupportCommunity.Benchmarks.Measurement;

/// <summary>A command EF Core sent to the database: its SQL and its parameter values.</summary>
public sealed record CapturedCommand(string Sql, IReadOnlyList<(string Name, object? Value)> Parameters);

/// <summary>
/// Records the SQL that EF Core actually sends while an action runs, from EF's DiagnosticListener, so the query plan
/// and the raw baseline use the app's own query rather than our guess of it. Only commands in the action's own async
/// flow are kept. Dispose before measuring: while subscribed, EF builds event data for every command.
/// </summary>
public sealed class EfCommandCapture : IObserver<DiagnosticListener>, IObserver<KeyValuePair<string, object?>>, IDisposable
{
    private static readonly AsyncLocal<List<CapturedCommand>?> Current = new();
    private readonly List<IDisposable> _subscriptions = [];
    private readonly IDisposable _listeners;

    public EfCommandCapture() => _listeners = DiagnosticListener.AllListeners.Subscribe(this);

    public static async Task<IReadOnlyList<CapturedCommand>> DuringAsync(Func<Task> action)
    {
        using var capture = new EfCommandCapture();
        var commands = new List<CapturedCommand>();
        Current.Value = commands;
        try
        {
            await action();
        }
        finally
        {
            Current.Value = null;
        }

        lock (commands)
        {
            return [.. commands];
        }
    }

    void IObserver<DiagnosticListener>.OnNext(DiagnosticListener value)
    {
        if (value.Name == DbLoggerCategory.Name)
        {
            lock (_subscriptions)
            {
                _subscriptions.Add(value.Subscribe(this));
            }
        }
    }

    void IObserver<KeyValuePair<string, object?>>.OnNext(KeyValuePair<string, object?> value)
    {
        if (value.Key == RelationalEventId.CommandExecuting.Name && value.Value is CommandEventData data && Current.Value is { } commands)
        {
            var parameters = data.Command.Parameters.Cast<DbParameter>().Select(p => (p.ParameterName, (object?)p.Value)).ToList();
            lock (commands)
            {
                commands.Add(new CapturedCommand(data.Command.CommandText, parameters));
            }
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
