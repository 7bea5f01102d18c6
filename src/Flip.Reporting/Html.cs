using System.Globalization;
using System.Net;
using System.Text;
using Deedle;
using Plotly.NET;

namespace Flip.Reporting;

/// <summary>Pure functions that turn reporting values into HTML strings: the pieces of <c>report.html</c>, and what a
/// notebook displays for the same values.</summary>
/// <remarks>
/// Nothing here reads a file, the clock or the network; the same values give the same string. Charts need plotly.js
/// once on the page: <see cref="PlotlyScript"/> inlines the copy that ships inside Plotly.NET, so pages work offline
/// (Plotly.NET's own HTML output loads plotly.js from a CDN by default, and renders blank without network).
/// </remarks>
public static class Html
{
    private static readonly Lazy<(string Version, string Source)> Plotly = new(LoadPlotly);

    /// <summary>The version of plotly.js that <see cref="PlotlyScript"/> inlines, e.g. <c>2.28.0</c>.</summary>
    public static string PlotlyVersion => Plotly.Value.Version;

    /// <summary>A <c>&lt;script&gt;</c> element holding all of plotly.js, inline: put it on a page once, before any chart.</summary>
    /// <returns>About 3.5 MB of HTML.</returns>
    /// <exception cref="FlipException">The Plotly.NET assembly carries no plotly.js (a broken install); exit code <see cref="ExitCodes.Environment"/>.</exception>
    public static string PlotlyScript() =>
        $"<script>/* plotly.js {Plotly.Value.Version} (MIT), inlined from Plotly.NET */\n{Plotly.Value.Source}\n</script>";

    /// <summary>A chart as a <c>&lt;div&gt;</c> and the script that draws it with the page's plotly.js, filling the page's width.</summary>
    /// <remarks>A width or height set on the chart is replaced: the chart takes the div's width and <paramref name="heightPixels"/>.</remarks>
    /// <param name="chart">The chart.</param>
    /// <param name="elementId">The div's id, unique on the page (letters, digits, <c>-</c> and <c>_</c>).</param>
    /// <param name="heightPixels">The chart's height; 440 by default.</param>
    /// <returns>The HTML.</returns>
    /// <exception cref="ArgumentException"><paramref name="elementId"/> is empty or holds other characters.</exception>
    public static string Render(GenericChart chart, string elementId, int heightPixels = 440)
    {
        ArgumentNullException.ThrowIfNull(chart);
        ArgumentNullException.ThrowIfNull(elementId);
        if (elementId.Length == 0 || !elementId.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_'))
            throw new ArgumentException($"Element id '{elementId}' must be letters, digits, '-' or '_'.", nameof(elementId));
        // A JSON string may hold "</script>" (a site name, a title); "<\/" keeps the script element whole.
        string figure = GenericChart.toFigureJson(chart).Replace("</", "<\\/", StringComparison.Ordinal);
        return string.Create(CultureInfo.InvariantCulture,
            $"<div class=\"flip-chart\" id=\"{elementId}\" style=\"height:{heightPixels}px\"></div>\n" +
            $"<script>(function () {{ var f = {figure}; delete f.layout.width; f.layout.height = {heightPixels}; f.layout.autosize = true; " +
            $"Plotly.newPlot(\"{elementId}\", f.data, f.layout, {{ responsive: true, displaylogo: false }}); }})();</script>\n");
    }

    /// <summary>A Deedle frame as a table: row keys in the first column, numbers right-aligned in invariant culture, <c>-</c> for a missing value.</summary>
    /// <typeparam name="TRow">The row key type.</typeparam>
    /// <typeparam name="TColumn">The column key type.</typeparam>
    /// <param name="frame">The frame.</param>
    /// <param name="caption">A caption, or <see langword="null"/>.</param>
    /// <param name="numberFormat">The format of floating-point values; <c>0.000</c> by default.</param>
    /// <param name="mark">Which cell per column to mark with the <c>worst</c> class; none by default.</param>
    /// <returns>The HTML table.</returns>
    public static string Render<TRow, TColumn>(Frame<TRow, TColumn> frame, string? caption = null, string numberFormat = "0.000", CellMark mark = CellMark.None)
        where TRow : notnull where TColumn : notnull
    {
        var cells = Frames.Cells(frame, numberFormat);
        var marked = Marked(frame, mark);
        var html = new StringBuilder("<table class=\"flip-table\">\n");
        if (caption is not null) html.Append("<caption>").Append(Encode(caption)).Append("</caption>\n");
        html.Append("<thead><tr>");
        foreach (var cell in cells[0]) html.Append("<th>").Append(Encode(cell.Text)).Append("</th>");
        html.Append("</tr></thead>\n<tbody>\n");
        for (int r = 1; r < cells.Count; r++)
        {
            var row = cells[r];
            html.Append("<tr><th>").Append(Encode(row[0].Text)).Append("</th>");
            for (int c = 1; c < row.Length; c++)
            {
                string classes = (row[c].IsNumber ? "num" : "") + (marked.Contains((r - 1, c - 1)) ? " worst" : "");
                html.Append(classes.Length == 0 ? "<td>" : $"<td class=\"{classes.Trim()}\">").Append(Encode(row[c].Text)).Append("</td>");
            }
            html.Append("</tr>\n");
        }
        return html.Append("</tbody>\n</table>\n").ToString();
    }

    // (row index, column index) of the marked cell of each column holding doubles; the pooled row never counts.
    private static HashSet<(int Row, int Column)> Marked<TRow, TColumn>(Frame<TRow, TColumn> frame, CellMark mark)
        where TRow : notnull where TColumn : notnull
    {
        var marked = new HashSet<(int, int)>();
        if (mark == CellMark.None) return marked;
        var rowKeys = frame.RowKeys.ToList();
        var columnKeys = frame.ColumnKeys.ToList();
        for (int c = 0; c < columnKeys.Count; c++)
        {
            var column = frame.Columns[columnKeys[c]];
            int best = -1;
            double bestValue = 0;
            for (int r = 0; r < rowKeys.Count; r++)
            {
                if (rowKeys[r] is string site && SiteIds.IsPooled(site)) continue;
                var value = column.TryGet(rowKeys[r]);
                if (!value.HasValue || value.Value is not double v || double.IsNaN(v)) continue;
                if (best < 0 || (mark == CellMark.LowestPerColumn ? v < bestValue : v > bestValue))
                {
                    best = r;
                    bestValue = v;
                }
            }
            if (best >= 0) marked.Add((best, c));
        }
        return marked;
    }

    /// <summary>A run's configuration as a two-column table of its top-level keys and values.</summary>
    /// <param name="configuration">The configuration.</param>
    /// <param name="caption">A caption, or <see langword="null"/>.</param>
    /// <returns>The HTML table.</returns>
    public static string Render(RunConfiguration configuration, string? caption = null)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        return Table(caption, ["key", "value"], configuration.Entries.Select(e => new[] { Text(e.Key), Text(e.Value) }));
    }

    /// <summary>The cohort: one row per site with country, vendor, field strength, patients and csPCa prevalence.</summary>
    /// <param name="sites">The sites.</param>
    /// <returns>The HTML table, with a total row.</returns>
    public static string Render(IReadOnlyList<SiteInfo> sites)
    {
        ArgumentNullException.ThrowIfNull(sites);
        var rows = sites.OrderBy(s => s.Id, SiteIds.Comparer).Select(s => new[]
        {
            Swatch(s.Id), Text(s.DisplayName), Text(s.Country), Text(s.Vendor), Number(s.FieldStrengthTesla, "0.0# 'T'"),
            Number(s.Patients, "0"), Number(s.CsPcaPrevalence * 100, "0.0 '%'"),
        }).ToList();
        int total = sites.Sum(s => s.Patients);
        double prevalence = total == 0 ? double.NaN : sites.Sum(s => s.Patients * s.CsPcaPrevalence) / total;
        rows.Add([Text("all sites"), Text(""), Text(""), Text(""), Text(""), Number(total, "0"), Number(prevalence * 100, "0.0 '%'")]);
        return Table("Sites of the cohort", ["site", "name", "country", "vendor", "field strength", "patients", "csPCa (ISUP ≥ 2)"], rows);
    }

    /// <summary>One fairness summary as a table of its measures, each with its definition.</summary>
    /// <param name="summary">The summary.</param>
    /// <returns>The HTML table.</returns>
    public static string Render(FairnessSummary summary)
    {
        ArgumentNullException.ThrowIfNull(summary);
        string metric = MetricNames.Label(summary.Metric);
        List<string[]> rows =
        [
            Row("pooled", summary.Pooled, "all sites' patients evaluated together"),
            Row("mean over sites", summary.Mean, "Σx / n, every site counted once"),
            [Text("worst site"), Swatch(summary.WorstSite) + " " + Number(summary.Worst, "0.000"), Text(summary.HigherIsBetter ? "lowest value" : "highest value")],
            [Text("best site"), Swatch(summary.BestSite) + " " + Number(summary.Best, "0.000"), Text(summary.HigherIsBetter ? "highest value" : "lowest value")],
            Row("gap", summary.Gap, "|best − worst|"),
            Row("standard deviation", summary.StandardDeviation, "√(Σ(x − x̄)² / n)"),
            Row("coefficient of variation", summary.CoefficientOfVariation, "σ / |x̄|"),
            Row("Jain's index", summary.JainIndex, "(Σx)² / (n·Σx²): 1 = equal, 1/n = one site has all"),
            Row("worst / best", summary.WorstToBestRatio, "1 = equal"),
        ];
        return Table(string.Create(CultureInfo.InvariantCulture, $"Fairness of {metric} over {summary.SiteCount} sites, round {summary.Round}"), ["measure", "value", "definition"], rows);

        static string[] Row(string name, double? value, string definition) =>
            [Text(name), value is double v ? Number(v, "0.000") : Text("-"), Text(definition)];
    }

    /// <summary>Fairness per group of sites (country, vendor or field strength).</summary>
    /// <param name="groups">The group summaries.</param>
    /// <param name="caption">A caption, or <see langword="null"/>.</param>
    /// <returns>The HTML table.</returns>
    public static string Render(IReadOnlyList<GroupSummary> groups, string? caption = null)
    {
        ArgumentNullException.ThrowIfNull(groups);
        return Table(caption, ["group", "sites", "mean", "worst site", "worst", "best site", "best"], groups.Select(g => new[]
        {
            Text($"{GroupingLabel(g.Grouping)} {g.Group}"), Text(string.Join(", ", g.Sites)), Number(g.Mean, "0.000"),
            Swatch(g.WorstSite), Number(g.Worst, "0.000"), Swatch(g.BestSite), Number(g.Best, "0.000"),
        }));
    }

    /// <summary>Who gains and who loses by federating: each site's value with local-only training and federated.</summary>
    /// <param name="changes">The changes.</param>
    /// <param name="caption">A caption, or <see langword="null"/>.</param>
    /// <returns>The HTML table.</returns>
    public static string Render(IReadOnlyList<SiteChange> changes, string? caption = null)
    {
        ArgumentNullException.ThrowIfNull(changes);
        return Table(caption, ["site", "local only", "federated", "difference", "outcome"], changes.Select(c => new[]
        {
            Swatch(c.Site), Number(c.Local, "0.000"), Number(c.Federated, "0.000"), Number(c.Difference, "+0.000;−0.000;0.000"),
            $"<span class=\"{c.Outcome.ToString().ToLowerInvariant()}\">{Encode(OutcomeLabel(c.Outcome))}</span>",
        }));
    }

    /// <summary>A complete HTML page: the report's stylesheet, plotly.js inline when asked for, and the body.</summary>
    /// <param name="title">The page title.</param>
    /// <param name="body">The body's HTML.</param>
    /// <param name="includePlotly">Whether to inline plotly.js (needed when the body has charts).</param>
    /// <returns>The page.</returns>
    public static string Document(string title, string body, bool includePlotly)
    {
        ArgumentNullException.ThrowIfNull(title);
        ArgumentNullException.ThrowIfNull(body);
        var html = new StringBuilder();
        html.Append("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n");
        html.Append("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n");
        html.Append("<title>").Append(Encode(title)).Append("</title>\n<style>\n").Append(Stylesheet).Append("</style>\n");
        if (includePlotly) html.Append(PlotlyScript()).Append('\n');
        html.Append("</head>\n<body>\n").Append(body).Append("</body>\n</html>\n");
        return html.ToString();
    }

    /// <summary>The report's stylesheet: readable tables, site colour swatches, outcome colours.</summary>
    public const string Stylesheet = """
        body { font-family: "Segoe UI", Helvetica, Arial, sans-serif; color: #222; margin: 0 auto; max-width: 1200px; padding: 16px 24px 48px; line-height: 1.4; }
        h1 { font-size: 1.6em; margin-bottom: 0.2em; } h2 { font-size: 1.3em; border-bottom: 1px solid #ccc; margin-top: 1.8em; } h3 { font-size: 1.05em; }
        p.lead { color: #555; margin-top: 0; }
        div.run-checks { border-left: 4px solid #b23c00; background: #fff4ee; padding: 6px 14px; margin: 0.8em 0; }
        table.flip-table { border-collapse: collapse; margin: 0.6em 0 1.2em; font-size: 0.9em; }
        table.flip-table caption { text-align: left; font-weight: 600; padding-bottom: 4px; }
        table.flip-table th, table.flip-table td { border-bottom: 1px solid #e3e3e3; padding: 3px 10px; text-align: left; vertical-align: top; }
        table.flip-table thead th { border-bottom: 2px solid #999; }
        table.flip-table td.num { text-align: right; font-variant-numeric: tabular-nums; }
        table.flip-table tbody tr:nth-child(even) { background: #f7f7f7; }
        .swatch { display: inline-block; width: 0.8em; height: 0.8em; border-radius: 2px; margin-right: 4px; vertical-align: -1px; border: 1px solid #0003; }
        .gains { color: #006d4f; font-weight: 600; } .loses { color: #b23c00; font-weight: 600; } .unchanged { color: #555; }
        table.flip-table td.worst { background: #fbe3d6; font-weight: 600; }
        .flip-chart { width: 100%; margin: 0.4em 0 1.4em; }
        .grid { display: flex; flex-wrap: wrap; gap: 0 32px; }
        """;

    internal static string Encode(string text) => WebUtility.HtmlEncode(text);

    private static string Text(string text) => Encode(text);

    private static string Number(double value, string format) =>
        "\u0001" + (double.IsNaN(value) ? "NaN" : value.ToString(format, CultureInfo.InvariantCulture));

    private static string Swatch(string site) =>
        $"<span class=\"swatch\" style=\"background:{SitePalette.ColorOf(site)}\"></span>{Encode(site)}";

    private static string GroupingLabel(SiteGrouping grouping) => grouping switch
    {
        SiteGrouping.Country => "country",
        SiteGrouping.Vendor => "vendor",
        SiteGrouping.FieldStrength => "field strength",
        _ => grouping.ToString(),
    };

    private static string OutcomeLabel(ChangeOutcome outcome) => outcome switch
    {
        ChangeOutcome.Gains => "gains",
        ChangeOutcome.Loses => "loses",
        _ => "unchanged",
    };

    // Cells are pre-encoded HTML; a cell starting with \u0001 is a number and is right-aligned.
    private static string Table(string? caption, IReadOnlyList<string> header, IEnumerable<string[]> rows)
    {
        var html = new StringBuilder("<table class=\"flip-table\">\n");
        if (caption is not null) html.Append("<caption>").Append(Encode(caption)).Append("</caption>\n");
        html.Append("<thead><tr>");
        foreach (string h in header) html.Append("<th>").Append(Encode(h)).Append("</th>");
        html.Append("</tr></thead>\n<tbody>\n");
        foreach (var row in rows)
        {
            html.Append("<tr>");
            foreach (string cell in row)
            {
                if (cell.StartsWith('\u0001')) html.Append("<td class=\"num\">").Append(Encode(cell[1..])).Append("</td>");
                else html.Append("<td>").Append(cell).Append("</td>");
            }
            html.Append("</tr>\n");
        }
        return html.Append("</tbody>\n</table>\n").ToString();
    }

    private static (string Version, string Source) LoadPlotly()
    {
        var assembly = typeof(GenericChart).Assembly;
        string? name = assembly.GetManifestResourceNames()
            .Where(n => n.EndsWith(".min.js", StringComparison.Ordinal) && n.Contains("plotly-", StringComparison.Ordinal))
            .Order(StringComparer.Ordinal)
            .LastOrDefault();
        using var stream = name is null ? null : assembly.GetManifestResourceStream(name);
        if (name is null || stream is null)
        {
            throw new FlipException(
                $"{assembly.GetName().Name} {assembly.GetName().Version} carries no plotly.js resource; expected one named like 'Plotly.NET.plotly-2.28.0.min.js'.",
                ExitCodes.Environment, "Restore the Plotly.NET package again (dotnet restore --force).");
        }
        using var reader = new StreamReader(stream, Encoding.UTF8);
        string source = reader.ReadToEnd().Replace("</script", "<\\/script", StringComparison.OrdinalIgnoreCase);
        string version = name[(name.IndexOf("plotly-", StringComparison.Ordinal) + "plotly-".Length)..^".min.js".Length];
        return (version, source);
    }
}
