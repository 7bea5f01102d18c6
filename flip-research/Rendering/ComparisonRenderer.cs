using System.Globalization;
using Flip.Experiments;
using Spectre.Console;

namespace Flip.Cli.Rendering;

/// <summary>Spectre.Console tables of a <see cref="Comparison"/>.</summary>
internal static class ComparisonRenderer
{
    public static Table SiteTable(this Comparison comparison, IReadOnlyList<string> metrics)
    {
        // One row per hospital and metric keeps five strategies within 80 columns.
        var table = new Table().Border(TableBorder.Simple).Title("Per hospital, last round, held-out patients");
        table.AddColumn("hospital").AddColumn("metric");
        var flagged = comparison.Flagged;
        foreach (string strategy in comparison.Strategies)
        {
            // A strategy that skipped rounds or whose loss did not fall is marked where its numbers are read.
            string header = flagged.Contains(strategy) ? $"{Markup.Escape(strategy)} [red]{FlagMark}[/]" : Markup.Escape(strategy);
            table.AddColumn(new TableColumn(header).RightAligned());
        }

        if (flagged.Count > 0)
        {
            table.Caption($"[red]{FlagMark}[/] = not a trained result as it stands: see the checks below the tables.");
        }

        foreach (string site in comparison.Sites)
        {
            for (int m = 0; m < metrics.Count; m++)
            {
                var cells = new List<string> { m == 0 ? site : string.Empty, metrics[m] };
                cells.AddRange(comparison.Strategies.Select(strategy => Format(comparison.Value(strategy, site, metrics[m]))));
                table.AddRow(cells.Select(Markup.Escape).ToArray());
            }
        }

        return table;
    }

    /// <summary>The mark put beside a strategy whose run is not healthy.</summary>
    public const string FlagMark = "(!)";

    /// <summary>One line per unhealthy strategy: what is wrong with it.</summary>
    public static IEnumerable<string> HealthLines(this Comparison comparison)
        => comparison.Flagged.Select(s => $"{FlagMark} {s}: {string.Join("; ", comparison.Health[s].Problems)}.");

    public static Table FairnessTable(this Comparison comparison, string metric)
    {
        var table = new Table().Border(TableBorder.Rounded).Title($"Fairness across hospitals: {metric}")
            .AddColumns("strategy", "mean", "worst hospital", "best hospital", "best − worst");
        foreach (FairnessRow row in comparison.Fairness(metric))
        {
            table.AddRow(
                comparison.Flagged.Contains(row.Strategy) ? $"{Markup.Escape(row.Strategy)} [red]{FlagMark}[/]" : Markup.Escape(row.Strategy),
                Format(row.Mean),
                Markup.Escape($"{row.WorstSite} {Format(row.Worst)}"),
                Markup.Escape($"{row.BestSite} {Format(row.Best)}"),
                Format(row.Gap));
        }

        return table;
    }

    public static Table CrossSiteTable(this ExperimentResult localOnly, IReadOnlyList<string> sites, string metric)
    {
        var values = localOnly.CrossSite(metric);
        var table = new Table().Border(TableBorder.Rounded).Title($"Site × site {metric}: each hospital's own model (rows) tested at every hospital (columns)");
        table.AddColumn("trained at");
        foreach (string site in sites)
        {
            table.AddColumn(new TableColumn(site).RightAligned());
        }

        foreach (string trainedAt in sites)
        {
            var cells = new List<string> { trainedAt };
            cells.AddRange(sites.Select(testedAt => values.TryGetValue((trainedAt, testedAt), out double v)
                ? (trainedAt == testedAt ? $"[bold]{Format(v)}[/]" : Format(v))
                : "–"));
            table.AddRow(cells.ToArray());
        }

        return table;
    }

    private static string Format(double value) => double.IsNaN(value) ? "–" : value.ToString("F3", CultureInfo.InvariantCulture);
}
