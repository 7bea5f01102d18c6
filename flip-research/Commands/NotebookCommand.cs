using System.CommandLine;
using System.Globalization;
using Flip.Notebooks;
using Spectre.Console;

namespace Flip.Cli.Commands;

/// <summary><c>flip-research notebook run</c>: execute notebooks headless, like <c>nbconvert --execute</c> with papermill parameters.</summary>
internal static class NotebookCommand
{
    public static Command Create(IAnsiConsole console)
    {
        var notebooks = new Argument<string[]>("NOTEBOOK")
        {
            Description = "Notebooks to run (.ipynb or .dib), one after the other, each in a fresh C# kernel.",
            Arity = ArgumentArity.OneOrMore,
        };
        var output = new Option<string?>("--out", "-o") { Description = "Folder for the executed copies (written as .ipynb). Default: NAME.out.ipynb next to each notebook." };
        var inPlace = new Option<bool>("--inplace") { Description = "Write the outputs into the .ipynb itself." };
        var parameters = new Option<string[]>("--param", "-p")
        {
            Description = "name=value: override a var of the cell tagged 'parameters' (type-checked). Repeatable.",
            AllowMultipleArgumentsPerToken = false,
        };
        var cellTimeout = new Option<double>("--cell-timeout") { Description = "Seconds one cell may run.", DefaultValueFactory = _ => 600 };
        var timeout = new Option<double>("--timeout") { Description = "Seconds one notebook may run.", DefaultValueFactory = _ => 1800 };
        var run = new Command("run",
            "Run notebooks cell by cell and write their outputs (text, tables, charts, errors); stop a notebook at its first " +
            "failing cell. Exit code 6 when any notebook failed.\n\nExamples:\n  flip-research notebook run notebooks/01-quick-start.ipynb\n" +
            "  flip-research notebook run notebooks/*.ipynb --out executed --param rounds=20 --timeout 3600")
        {
            notebooks, output, inPlace, parameters, cellTimeout, timeout,
        };
        run.SetAction((parse, ct) => RunAsync(console, parse.GetValue(notebooks) ?? [], new NotebookRunOptions
        {
            OutputFolder = parse.GetValue(output),
            InPlace = parse.GetValue(inPlace),
            Parameters = parse.GetValue(parameters) ?? [],
            CellTimeout = Seconds(parse.GetValue(cellTimeout), "--cell-timeout"),
            NotebookTimeout = Seconds(parse.GetValue(timeout), "--timeout"),
        }, ct));
        return new Command("notebook", "Work with the research notebooks.") { run };
    }

    private static async Task<int> RunAsync(IAnsiConsole console, string[] paths, NotebookRunOptions options, CancellationToken ct)
    {
        if (options.InPlace && options.OutputFolder is not null)
        {
            throw new FlipException("--inplace and --out both say where outputs go.", ExitCodes.BadCommandLine, "give one of them");
        }

        // The kernel captures Console while a cell runs: progress goes to the raw standard error stream.
        using var log = new StreamWriter(Console.OpenStandardError()) { AutoFlush = true };
        options = options with { Log = log };
        // Every notebook's file, parameters and output place are checked before the first cell of the first one runs.
        foreach (string path in paths)
        {
            NotebookRunner.Validate(path, options);
        }

        var results = new List<NotebookRunResult>();
        foreach (string path in paths)
        {
            results.Add(await NotebookRunner.RunAsync(path, options, ct).ConfigureAwait(false));
        }

        var table = new Table().AddColumns("notebook", "cells", "time", "result", "output");
        foreach (NotebookRunResult r in results)
        {
            table.AddRow(
                Markup.Escape(Path.GetFileName(r.Notebook)),
                $"{r.CellsRun}/{r.CodeCells}",
                r.Elapsed.TotalSeconds.ToString("0.0 s", CultureInfo.InvariantCulture),
                r.Succeeded ? "[green]ok[/]" : $"[red]cell {r.FailedCell} failed[/]",
                Markup.Escape(r.OutputPath));
        }

        console.Write(table);
        foreach (NotebookRunResult r in results.Where(r => !r.Succeeded))
        {
            console.MarkupLineInterpolated($"[red]error:[/] {r.FailureMessage}");
        }

        return results.All(r => r.Succeeded) ? ExitCodes.Ok : ExitCodes.RunFailed;
    }

    private static TimeSpan Seconds(double value, string option) => value > 0
        ? TimeSpan.FromSeconds(value)
        : throw new FlipException($"{option} {value.ToString(CultureInfo.InvariantCulture)} is not a positive number of seconds.", ExitCodes.BadCommandLine, $"e.g. {option} 600");
}
