using System.Globalization;
using Microsoft.Extensions.Logging;

namespace Flip.Cli.Logging;

/// <summary>Appends structured log lines (no patient data: the libraries log ids and counts only) to a run's log file.</summary>
internal sealed class FileLogger(string path) : ILogger, IDisposable
{
    private readonly StreamWriter _writer = new(new FileStream(path, FileMode.Append, FileAccess.Write, FileShare.Read)) { AutoFlush = true };
    private readonly Lock _gate = new();

    public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

    public bool IsEnabled(LogLevel logLevel) => logLevel >= LogLevel.Information;

    public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
    {
        if (!IsEnabled(logLevel))
        {
            return;
        }

        string line = string.Create(CultureInfo.InvariantCulture, $"{DateTime.UtcNow:O} {logLevel} {formatter(state, exception)}");
        lock (_gate)
        {
            _writer.WriteLine(line);
            if (exception is not null)
            {
                _writer.WriteLine(exception.ToString());
            }
        }
    }

    public void Dispose() => _writer.Dispose();
}
