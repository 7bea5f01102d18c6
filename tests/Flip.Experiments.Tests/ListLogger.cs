using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;

namespace Flip.Experiments.Tests;

/// <summary>Keeps warnings with their exceptions, so a test failure shows why a site failed.</summary>
internal sealed class ListLogger : ILogger
{
    public ConcurrentQueue<string> Lines { get; } = new();

    public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

    public bool IsEnabled(LogLevel logLevel) => logLevel >= LogLevel.Warning;

    public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
    {
        if (IsEnabled(logLevel))
        {
            Lines.Enqueue(formatter(state, exception) + " " + exception);
        }
    }

    public override string ToString() => string.Join(Environment.NewLine, Lines);
}
