using System.Globalization;
using Microsoft.Extensions.Logging;
using Spectre.Console;

namespace Flip.Cli.Logging;

/// <summary>Writes warnings and information from the libraries as plain lines on the console (they log ids, counts and reasons, never patient data), each followed by its exception in full when there is one.</summary>
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
            if (exception is not null)
            {
                // The node's console is its log: the full exception (type, message, inner ones, stack) stays here, on the site.
                console.WriteLine(exception.ToString());
            }
        }
    }
}
