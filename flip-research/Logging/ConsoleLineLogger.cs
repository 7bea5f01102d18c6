using System.Globalization;
using Microsoft.Extensions.Logging;
using Spectre.Console;

namespace Flip.Cli.Logging;

/// <summary>Writes warnings and information from the libraries as plain lines on the console (they log ids, counts and reasons, never patient data).</summary>
/// <typeparam name="T">The category.</typeparam>
internal sealed class ConsoleLineLogger<T>(IAnsiConsole console, LogLevel minimum = LogLevel.Warning) : ILogger<T>
{
    public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

    public bool IsEnabled(LogLevel logLevel) => logLevel >= minimum;

    public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
    {
        ArgumentNullException.ThrowIfNull(formatter);
        if (IsEnabled(logLevel))
        {
            string level = logLevel >= LogLevel.Error ? "error" : logLevel == LogLevel.Warning ? "warning" : "info";
            console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{DateTime.UtcNow:HH:mm:ss} {level}: {formatter(state, exception)}"));
        }
    }
}
