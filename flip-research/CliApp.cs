using System.CommandLine;
using Flip.Cli.Commands;
using Spectre.Console;

namespace Flip.Cli;

/// <summary>The command tree and the one place errors become exit codes.</summary>
internal static class CliApp
{
    public static RootCommand Build(IAnsiConsole console)
    {
        var root = new RootCommand(
            "FLIP Research: federated learning on prostate cancer imaging. Simulate a hospital federation, " +
            "run a hospital node, check the environment.")
        {
            DoctorCommand.Create(console),
            BenchCommand.Create(console),
            SimulateCommand.Create(console),
            ReportCommand.Create(console),
            DicomCommand.Create(console),
            SynthCommand.Create(console),
            DatasetCommand.Create(console),
            ServeCommand.Create(console),
            ServerAppCommand.Create(console),
            ClientCommand.Create(console),
            ClientAppCommand.Create(console),
            DevCertsCommand.Create(console),
            NotebookCommand.Create(console),
            FuzzCommand.Create(console),
        };
        return root;
    }

    public static int Run(string[] args, IAnsiConsole console)
    {
        RootCommand root = Build(console);
        ParseResult parse;
        try
        {
            parse = root.Parse(args.Length == 0 ? ["--help"] : args);
        }
        catch (InvalidOperationException e) when (CliErrors.DescribeConversion(e) is { } text)
        {
            // A validator read a value that does not convert ("--rounds abc").
            console.MarkupLineInterpolated($"[red]error:[/] {text}");
            return ExitCodes.BadCommandLine;
        }

        if (parse.Errors.Count > 0)
        {
            // An unknown verb or option says more than "required command was not provided"; a bad choice names the option and the closest value.
            console.MarkupLineInterpolated($"[red]error:[/] {CliErrors.Describe(parse.Errors)}");
            return ExitCodes.BadCommandLine;
        }

        try
        {
            return parse.Invoke(new InvocationConfiguration { EnableDefaultExceptionHandler = false });
        }
        catch (FlipException e)
        {
            console.MarkupLineInterpolated($"[red]error:[/] {e.ToUserText()}");
            return e.ExitCode;
        }
        catch (OperationCanceledException)
        {
            console.MarkupLine("[yellow]cancelled[/]");
            return 130;
        }
        catch (Exception e)
        {
            string log = InternalErrorLog.Write(e);
            console.MarkupLineInterpolated($"[red]internal error[/]; details in {log}");
            return ExitCodes.InternalError;
        }
    }
}
