using System.Collections;
using System.Collections.Concurrent;
using System.Text;
using Microsoft.Extensions.Logging;

namespace SupportCommunity.Web.Tests.Integration.Security;

/// <summary>
/// Records every log entry the app writes: level, category, message, exception, state and scopes. Configuration
/// addresses it as <c>Logging:Recording:...</c>, like <c>Logging:Console:...</c>.
/// </summary>
[ProviderAlias("Recording")]
public sealed class RecordingLoggerProvider : ILoggerProvider, ISupportExternalScope
{
    private readonly ConcurrentQueue<LogRecord> _records = new();
    private IExternalScopeProvider _scopes = new LoggerExternalScopeProvider();

    public IReadOnlyCollection<LogRecord> Records => _records;

    public ILogger CreateLogger(string categoryName) => new RecordingLogger(this, categoryName);

    public void SetScopeProvider(IExternalScopeProvider scopeProvider) => _scopes = scopeProvider;

    public void Dispose()
    {
    }

    private static void AppendValue(StringBuilder text, object? value)
    {
        text.Append(value).Append('\n');
        if (value is IEnumerable<KeyValuePair<string, object?>> pairs)
        {
            foreach (var (key, item) in pairs)
            {
                text.Append(key).Append('=');
                if (item is IEnumerable items and not string)
                {
                    foreach (var element in items)
                    {
                        text.Append(element).Append(',');
                    }
                }
                else
                {
                    text.Append(item);
                }

                text.Append('\n');
            }
        }
    }

    private sealed class RecordingLogger(RecordingLoggerProvider provider, string category) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => provider._scopes.Push(state);

        public bool IsEnabled(LogLevel logLevel) => logLevel != LogLevel.None;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            var text = new StringBuilder();
            text.Append(formatter(state, exception)).Append('\n');
            text.Append(exception).Append('\n');
            AppendValue(text, state);
            provider._scopes.ForEachScope((scope, builder) => AppendValue(builder, scope), text);
            provider._records.Enqueue(new LogRecord(logLevel, category, eventId, text.ToString()));
        }
    }
}

public sealed record LogRecord(LogLevel Level, string Category, EventId EventId, string Text);
