using Microsoft.Extensions.Logging;
using Spectre.Console;

namespace Flip.Cli.Logging;

/// <summary>Writes warnings and errors from the libraries (node refused, server unreachable, plaintext in use) as console lines; the libraries log ids, counts and key fingerprints only.</summary>
internal sealed class ConsoleLogger(IAnsiConsole console) : ILogger<Flip.Flower.Fleet.FlowerNode>
{
    public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

    public bool IsEnabled(LogLevel logLevel) => logLevel >= LogLevel.Warning;

    public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
    {
        if (IsEnabled(logLevel))
        {
            string level = logLevel == LogLevel.Warning ? "[yellow]warning:[/]" : "[red]error:[/]";
            console.MarkupLine(level + " " + Markup.Escape(formatter(state, exception)));
        }
    }
}
