using Flip.Cli;
using Spectre.Console;

IAnsiConsole console = AnsiConsole.Console;
if (Console.IsOutputRedirected)
{
    // In a log or a pipe, lines are not wrapped: an error or a round line (long metrics, 20-digit node ids) stays one
    // line for grep; tables are only as wide as their content.
    console.Profile.Width = 2000;
}

return CliApp.Run(args, console);
