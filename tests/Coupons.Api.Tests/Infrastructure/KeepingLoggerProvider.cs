using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;

namespace Coupons.Api.Tests.Infrastructure;

/// <summary>Keeps every log line with its structured values and exception: everything a sink could write, for tests that look for what must never be logged.</summary>
public sealed class KeepingLoggerProvider(ConcurrentQueue<string> lines) : ILoggerProvider
{
    public ILogger CreateLogger(string categoryName) => new KeepingLogger(categoryName, lines);

    public void Dispose()
    {
    }

    private sealed class KeepingLogger(string category, ConcurrentQueue<string> lines) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            // The message, every structured value and the exception: everything a sink could write.
            var values = state is IEnumerable<KeyValuePair<string, object?>> pairs ? string.Join(" ", pairs.Select(p => $"{p.Key}={p.Value}")) : string.Empty;
            lines.Enqueue($"{category} {formatter(state, exception)} {values} {exception}");
        }
    }
}
