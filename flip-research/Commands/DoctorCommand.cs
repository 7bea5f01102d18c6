using System.CommandLine;
using Flip.Learning.Devices;
using Spectre.Console;

namespace Flip.Cli.Commands;

/// <summary><c>flip-research doctor</c>: is this machine ready to train?</summary>
internal static class DoctorCommand
{
    public static Command Create(IAnsiConsole console)
    {
        var command = new Command("doctor",
            "Check the environment: OS, libstdc++, .NET, TorchSharp and its native library, CUDA, threads. " +
            "Exits 0 only when TorchSharp works.\n\nExample:\n  flip-research doctor");
        command.SetAction(_ => Execute(console));
        return command;
    }

    private static int Execute(IAnsiConsole console)
    {
        IReadOnlyList<EnvironmentCheck> checks = EnvironmentDoctor.Run();
        var table = new Table().Border(TableBorder.Simple).AddColumns("Check", "Status", "Detail");
        foreach (EnvironmentCheck check in checks)
        {
            string status = check.Status switch
            {
                CheckStatus.Ok => "[green]OK[/]",
                CheckStatus.Warn => "[yellow]WARN[/]",
                _ => "[red]FAIL[/]",
            };
            string detail = Markup.Escape(check.Detail) + (check.Fix is null ? string.Empty : "\n[grey]Fix: " + Markup.Escape(check.Fix) + "[/]");
            table.AddRow(new Markup(Markup.Escape(check.Name)), new Markup(status), new Markup(detail));
        }

        console.Write(table);
        bool healthy = EnvironmentDoctor.Healthy(checks);
        console.MarkupLine(healthy ? "[green]TorchSharp works here.[/]" : "[red]TorchSharp does not work here; see the fixes above.[/]");
        return healthy ? ExitCodes.Ok : ExitCodes.Environment;
    }
}
