using System.CommandLine;
using System.Globalization;
using Flip.Benchmarks;
using Spectre.Console;

namespace Flip.Cli.Commands;

/// <summary><c>flip-research bench compare A.json B.json</c>: two reports of any bench verb side by side, matched by workload and threads.</summary>
internal static class BenchCompareCommand
{
    public static Command Create(IAnsiConsole console)
    {
        var before = new Argument<string>("A") { Description = "The earlier report, written by a bench verb with --json." };
        var after = new Argument<string>("B") { Description = "The later report." };
        var command = new Command("compare",
            "Compare two reports written by bench verbs with --json: per workload and thread count, A's and B's medians, the change in percent " +
            "(marked better or worse by the unit's direction) and the change of the ratio to the peer; workloads in only one report are listed as such.\n\n" +
            "Example:\n  flip-research bench -w w2-train --json > a.json   (on one commit)\n  flip-research bench -w w2-train --json > b.json   (on another)\n" +
            "  flip-research bench compare a.json b.json")
        {
            before, after,
        };
        command.SetAction(parse =>
        {
            string pathA = parse.GetValue(before)!, pathB = parse.GetValue(after)!;
            BenchmarkReport a = BenchmarkReport.Read(pathA), b = BenchmarkReport.Read(pathB);
            Render(console, pathA, a, pathB, b);
            return ExitCodes.Ok;
        });
        return command;
    }

    private static void Render(IAnsiConsole console, string pathA, BenchmarkReport a, string pathB, BenchmarkReport b)
    {
        console.MarkupLineInterpolated($"A: {pathA} ({a.Command}, {a.Created:yyyy-MM-dd HH:mm} UTC, {Describe(a.Machine)})");
        console.MarkupLineInterpolated($"B: {pathB} ({b.Command}, {b.Created:yyyy-MM-dd HH:mm} UTC, {Describe(b.Machine)})");
        if (a.Machine with { Commit = null } != b.Machine with { Commit = null })
        {
            console.MarkupLine("[yellow]The reports come from different machines or settings: compare ratios to the peer rather than absolute figures.[/]");
        }

        var table = new Table().Border(TableBorder.Simple)
            .AddColumn("workload").AddColumn(new TableColumn("threads").RightAligned()).AddColumn("unit")
            .AddColumn(new TableColumn("A").RightAligned()).AddColumn(new TableColumn("B").RightAligned()).AddColumn(new TableColumn("change").RightAligned())
            .AddColumn(new TableColumn("ratio to peer A → B").RightAligned());
        var inB = b.Results.ToDictionary(Key);
        var seen = new HashSet<(string, int)>();
        foreach (BenchmarkRecord x in a.Results)
        {
            seen.Add(Key(x));
            if (!inB.TryGetValue(Key(x), out BenchmarkRecord? y))
            {
                table.AddRow(Markup.Escape(x.Workload), I(x.Threads), Markup.Escape(x.Unit), G(x.Median), "–", "only in A", "–");
                continue;
            }

            string change = x.Unit != y.Unit ? $"unit differs ({Markup.Escape(y.Unit)})" : Change(x, y);
            table.AddRow(Markup.Escape(x.Workload), I(x.Threads), Markup.Escape(x.Unit), G(x.Median), G(y.Median), change, Ratio(x.Ratio) + " → " + Ratio(y.Ratio));
        }

        foreach (BenchmarkRecord y in b.Results.Where(y => !seen.Contains(Key(y))))
        {
            table.AddRow(Markup.Escape(y.Workload), I(y.Threads), Markup.Escape(y.Unit), "–", G(y.Median), "only in B", "–");
        }

        console.Write(table);
        console.MarkupLine("[grey]change = (B − A) / A; better or worse by the unit's direction. Ratio to peer: above 1 is ahead of the peer. One run each is noise on a shared machine: repeat before believing a few percent.[/]");
    }

    private static (string Workload, int Threads) Key(BenchmarkRecord r) => (r.Workload, r.Threads);

    /// <summary>The relative change from A to B, marked better or worse.</summary>
    internal static string Change(BenchmarkRecord a, BenchmarkRecord b)
    {
        if (a.Median == 0)
        {
            return b.Median == 0 ? "0 %" : "–";
        }

        double percent = (b.Median - a.Median) / Math.Abs(a.Median) * 100;
        string text = percent.ToString("+0.0;-0.0;0.0", CultureInfo.InvariantCulture) + " %";
        bool better = a.HigherIsBetter ? percent > 0 : percent < 0;
        return Math.Abs(percent) < 0.05 ? text : text + (better ? " better" : " worse");
    }

    private static string Describe(BenchmarkMachine m) =>
        string.Create(CultureInfo.InvariantCulture, $"{m.Cores} cores, {m.Os}, {m.Runtime}") + (m.TorchThreads is { } t ? string.Create(CultureInfo.InvariantCulture, $", {t} libtorch threads") : "") +
        (m.Commit is { } c ? $", commit {c[..Math.Min(12, c.Length)]}" : "");

    private static string G(double value) => value.ToString(Math.Abs(value) >= 100 ? "F0" : Math.Abs(value) >= 1 ? "F2" : "G3", CultureInfo.InvariantCulture);

    private static string Ratio(double? value) => value is { } v ? v.ToString(v >= 0.1 ? "F2" : "G2", CultureInfo.InvariantCulture) : "–";

    private static string I(int value) => value.ToString(CultureInfo.InvariantCulture);
}
