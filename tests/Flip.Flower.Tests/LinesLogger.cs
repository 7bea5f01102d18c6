using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;

namespace Flip.Flower.Tests;

/// <summary>Keeps every formatted log line, to assert on what a component logged.</summary>
internal sealed class LinesLogger : ILogger
{
    public ConcurrentQueue<string> Lines { get; } = new();

    public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

    public bool IsEnabled(LogLevel logLevel) => true;

    public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
        Lines.Enqueue(formatter(state, exception));
}
