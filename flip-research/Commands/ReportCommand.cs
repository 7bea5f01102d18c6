using System.CommandLine;
using Flip.Reporting;
using Spectre.Console;

namespace Flip.Cli.Commands;

/// <summary><c>flip-research report</c>: (re)build the HTML report of one or more runs.</summary>
internal static class ReportCommand
{
    public static Command Create(IAnsiConsole console)
    {
        var runs = new Argument<string[]>("RUN")
        {
            Description = "Run folders (each with run.json and metrics.csv), or a simulate output folder holding several.",
            Arity = ArgumentArity.OneOrMore,
        };
        var output = new Option<string?>("--out", "-o") { Description = "The HTML file to write (default: report.html in the first RUN)." };
        var metric = new Option<string>("--metric") { Description = "The metric the fairness summary and charts lead with.", DefaultValueFactory = _ => MetricNames.Auroc };
        var local = new Option<string?>("--local-run") { Description = "The run that is the local-only baseline, for who gains and who loses (default: a run named local-only)." };
        var command = new Command("report",
            "Build one self-contained HTML report (no network needed) comparing runs: configuration, cohort, per-site table, " +
            "charts per round, fairness across sites.\n\nExamples:\n  flip-research report runs/simulate-20261129-101500\n" +
            "  flip-research report runs/a/fedavg runs/b/fedbn --out compare.html --metric dice")
        {
            runs, output, metric, local,
        };
        command.SetAction(parse =>
        {
            var folders = Expand(parse.GetValue(runs) ?? []);
            string outFile = parse.GetValue(output) ?? Path.Combine(parse.GetValue(runs)![0], "report.html");
            string? localRun = parse.GetValue(local)
                ?? (folders.Any(f => Path.GetFileName(f) == "local-only") ? "local-only" : null);
            string written = Report.Write(folders, outFile, new ReportOptions { Metric = parse.GetValue(metric)!, LocalRun = localRun });
            console.MarkupLineInterpolated($"Report of {folders.Count} run(s): [bold]{written}[/] ({new FileInfo(written).Length / 1e6:F1} MB).");
            return ExitCodes.Ok;
        });
        return command;
    }

    private static List<string> Expand(IEnumerable<string> paths)
    {
        var folders = new List<string>();
        foreach (string path in paths)
        {
            if (!Directory.Exists(path))
            {
                throw new FlipException($"run folder '{path}' does not exist.", ExitCodes.BadInput, "pass a folder written by 'flip-research simulate'.");
            }

            if (File.Exists(Path.Combine(path, "run.json")))
            {
                folders.Add(path);
                continue;
            }

            var inner = Directory.GetDirectories(path).Where(d => File.Exists(Path.Combine(d, "run.json"))).Order(StringComparer.Ordinal).ToList();
            if (inner.Count == 0)
            {
                throw new FlipException($"'{path}' holds no run.json and no run folders.", ExitCodes.BadInput, "pass a folder written by 'flip-research simulate'.");
            }

            folders.AddRange(inner);
        }

        return folders;
    }
}
