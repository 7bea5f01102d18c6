using Flip.Cli;
using Spectre.Console;

IAnsiConsole console = AnsiConsole.Console;
if (Console.IsOutputRedirected)
{
    // In a log or a pipe, lines are not wrapped at 80 columns: an error stays one line.
    console.Profile.Width = 240;
}

return CliApp.Run(args, console);
