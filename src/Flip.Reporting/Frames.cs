using System.Globalization;
using System.Text;
using Deedle;

namespace Flip.Reporting;

/// <summary>Deedle frames of a run's metrics, built with C#-friendly calls: one line in a notebook cell each.</summary>
/// <remarks>Rows and columns come in reading order (sites naturally, <c>pooled</c> last; rounds ascending), so
/// tables and golden files are stable. Deedle and Plotly.NET are F# libraries: the application needs the
/// FSharp.Core they were built against (10.1.x), which NuGet brings in with them.</remarks>
public static class Frames
{
    /// <summary>Each site's metrics at one round: rows are sites (then <c>pooled</c>), columns are metrics.</summary>
    /// <param name="metrics">The run's metrics.</param>
    /// <param name="round">The round; the last round when <see langword="null"/>.</param>
    /// <param name="split">The split; <see cref="SplitNames.Test"/> by default.</param>
    /// <returns>The frame; a site without a metric has a missing value.</returns>
    public static Frame<string, string> SiteTable(MetricTable metrics, int? round = null, string split = SplitNames.Test)
    {
        ArgumentNullException.ThrowIfNull(metrics);
        int at = round ?? metrics.LastRound;
        var rows = metrics.Rows.Where(r => r.Round == at && (r.Split == split || (SiteIds.IsPooled(r.Site) && r.Split == SplitNames.Pooled && metrics.Find(at, r.Site, split, r.Metric) is null)))
            .ToList();
        var metricOrder = metrics.Metrics.Where(m => rows.Any(r => r.Metric == m)).ToList();
        var ordered = rows.OrderBy(r => r.Site, SiteIds.Comparer).ThenBy(r => metricOrder.IndexOf(r.Metric)).ToList();
        return Ordered(Pivot(ordered, r => r.Site, r => r.Metric, r => r.Value), ordered.Select(r => r.Site), metricOrder);
    }

    /// <summary>One metric per round: rows are rounds, columns are sites (then <c>pooled</c>).</summary>
    /// <param name="metrics">The run's metrics.</param>
    /// <param name="metric">The metric key.</param>
    /// <param name="split">The split; <see cref="SplitNames.Test"/> by default.</param>
    /// <returns>The frame.</returns>
    public static Frame<int, string> ByRound(MetricTable metrics, string metric, string split = SplitNames.Test)
    {
        ArgumentNullException.ThrowIfNull(metrics);
        var rows = metrics.Rows.Where(r => r.Metric == metric && r.Split == split).OrderBy(r => r.Round).ThenBy(r => r.Site, SiteIds.Comparer).ToList();
        var columns = rows.Select(r => r.Site).Distinct().Order(SiteIds.Comparer).ToList();
        return Ordered(Pivot(rows, r => r.Round, r => r.Site, r => r.Value), rows.Select(r => r.Round), columns);
    }

    /// <summary>One metric, site × strategy: rows are sites (then <c>pooled</c>), columns are runs, each at its last round.</summary>
    /// <param name="runs">The runs, one per column, in this order.</param>
    /// <param name="metric">The metric key.</param>
    /// <param name="split">The split; <see cref="SplitNames.Test"/> by default.</param>
    /// <returns>The frame.</returns>
    /// <exception cref="ArgumentException">Two runs have the same name.</exception>
    public static Frame<string, string> SiteByRun(IReadOnlyList<RunRecord> runs, string metric, string split = SplitNames.Test)
    {
        ArgumentNullException.ThrowIfNull(runs);
        RequireDistinctNames(runs);
        var cells = new List<(string Site, string Run, double Value)>();
        foreach (var run in runs)
        {
            int last = run.Metrics.LastRound;
            foreach (var (site, value) in run.Metrics.SiteValues(metric, last, split)) cells.Add((site, run.Name, value));
            if (run.Metrics.PooledValue(metric, last, split) is double pooled) cells.Add((SiteIds.Pooled, run.Name, pooled));
        }
        var rowOrder = cells.Select(c => c.Site).Distinct().Order(SiteIds.Comparer).ToList();
        return Ordered(Pivot(cells, c => c.Site, c => c.Run, c => c.Value), rowOrder, runs.Select(r => r.Name));
    }

    /// <summary>Runs side by side: one row per run with its fairness summary of one metric at its last round.</summary>
    /// <param name="runs">The runs, one per row, in this order.</param>
    /// <param name="metric">The metric key.</param>
    /// <param name="split">The split; <see cref="SplitNames.Test"/> by default.</param>
    /// <returns>The frame: columns <c>round</c>, <c>pooled</c>, <c>mean</c>, <c>worst site</c>, <c>worst</c>, <c>best site</c>,
    /// <c>best</c>, <c>gap</c>, <c>sd</c>, <c>cv</c>, <c>jain</c>, <c>worst/best</c>.</returns>
    /// <exception cref="ArgumentException">Two runs have the same name, or a run has no site value of the metric at its last round.</exception>
    public static Frame<string, string> Compare(IReadOnlyList<RunRecord> runs, string metric, string split = SplitNames.Test)
    {
        ArgumentNullException.ThrowIfNull(runs);
        RequireDistinctNames(runs);
        string[] columns = ["round", "pooled", "mean", "worst site", "worst", "best site", "best", "gap", "sd", "cv", "jain", "worst/best"];
        var cells = new List<(string Run, string Column, object Value)>();
        foreach (var run in runs)
        {
            var s = Fairness.Summarize(run.Metrics, metric, run.Metrics.LastRound, split);
            object?[] values = [s.Round, s.Pooled, s.Mean, s.WorstSite, s.Worst, s.BestSite, s.Best, s.Gap, s.StandardDeviation, s.CoefficientOfVariation, s.JainIndex, s.WorstToBestRatio];
            for (int i = 0; i < columns.Length; i++)
            {
                if (values[i] is { } value) cells.Add((run.Name, columns[i], value));
            }
        }
        return Ordered(Pivot(cells, c => c.Run, c => c.Column, c => c.Value), runs.Select(r => r.Name), columns);
    }

    /// <summary>Renders a frame as a fixed-width text table: right-aligned numbers in invariant culture, <c>-</c> for a missing value.</summary>
    /// <typeparam name="TRow">The row key type.</typeparam>
    /// <typeparam name="TColumn">The column key type.</typeparam>
    /// <param name="frame">The frame.</param>
    /// <param name="numberFormat">The format of floating-point values; <c>0.000</c> by default.</param>
    /// <returns>The table, lines ending in <c>\n</c>.</returns>
    public static string ToText<TRow, TColumn>(Frame<TRow, TColumn> frame, string numberFormat = "0.000")
        where TRow : notnull where TColumn : notnull
    {
        var cells = Cells(frame, numberFormat);
        int columnCount = cells[0].Length;
        var widths = new int[columnCount];
        foreach (var row in cells)
        {
            for (int c = 0; c < columnCount; c++) widths[c] = Math.Max(widths[c], row[c].Text.Length);
        }
        var numericColumn = new bool[columnCount];
        for (int c = 0; c < columnCount; c++) numericColumn[c] = cells.Skip(1).Any(row => row[c].IsNumber && row[c].Text != "-");
        var text = new StringBuilder();
        for (int r = 0; r < cells.Count; r++)
        {
            var row = cells[r];
            for (int c = 0; c < columnCount; c++)
            {
                if (c > 0) text.Append("  ");
                bool right = r == 0 ? numericColumn[c] : row[c].IsNumber;
                text.Append(right ? row[c].Text.PadLeft(widths[c]) : row[c].Text.PadRight(widths[c]));
            }
            text.Append('\n');
        }
        return string.Join('\n', text.ToString().Split('\n').Select(l => l.TrimEnd()));
    }

    /// <summary>A frame's header and body as text cells: row 0 is the header (empty corner, then column keys).</summary>
    /// <remarks>A column whose key is a count metric (<see cref="MetricNames.IsCount"/>) shows whole numbers.</remarks>
    internal static List<(string Text, bool IsNumber)[]> Cells<TRow, TColumn>(Frame<TRow, TColumn> frame, string numberFormat)
        where TRow : notnull where TColumn : notnull
    {
        ArgumentNullException.ThrowIfNull(frame);
        var columnKeys = frame.ColumnKeys.ToList();
        var rows = new List<(string Text, bool IsNumber)[]>();
        rows.Add([("", false), .. columnKeys.Select(k => (Format(k, numberFormat), false))]);
        var columns = columnKeys.Select(k => frame.Columns[k]).ToList();
        foreach (var rowKey in frame.RowKeys)
        {
            var row = new (string, bool)[columnKeys.Count + 1];
            row[0] = (Format(rowKey, numberFormat), false);
            for (int c = 0; c < columns.Count; c++)
            {
                var value = columns[c].TryGet(rowKey);
                string format = columnKeys[c] is string metric && MetricNames.IsCount(metric) ? "0" : numberFormat;
                row[c + 1] = value.HasValue ? (Format(value.Value, format), IsNumber(value.Value)) : ("-", true);
            }
            rows.Add(row);
        }
        return rows;
    }

    private static bool IsNumber(object value) => value is double or float or int or long or decimal;

    private static string Format(object? value, string numberFormat) => value switch
    {
        null => "-",
        double d when double.IsNaN(d) => "NaN",
        double d => d.ToString(numberFormat, CultureInfo.InvariantCulture),
        float f => f.ToString(numberFormat, CultureInfo.InvariantCulture),
        IFormattable f => f.ToString(null, CultureInfo.InvariantCulture),
        _ => value.ToString() ?? "",
    };

    private static Frame<TRow, TColumn> Ordered<TRow, TColumn>(Frame<TRow, TColumn> frame, IEnumerable<TRow> rowOrder, IEnumerable<TColumn> columnOrder)
        where TRow : notnull where TColumn : notnull
    {
        var rows = rowOrder.Distinct().Where(frame.RowKeys.Contains).ToList();
        var columns = columnOrder.Distinct().Where(frame.ColumnKeys.Contains).ToList();
        return frame.Columns[columns].Rows[rows];
    }

    // Deedle's FromValues takes the column selector before the row selector; this keeps the reading order.
    private static Frame<TRow, TColumn> Pivot<T, TRow, TColumn, TValue>(IEnumerable<T> items, Func<T, TRow> row, Func<T, TColumn> column, Func<T, TValue> value)
        where TRow : notnull where TColumn : notnull =>
        Frame.FromValues(items, column, row, value);

    private static void RequireDistinctNames(IReadOnlyList<RunRecord> runs)
    {
        var duplicate = runs.GroupBy(r => r.Name, StringComparer.Ordinal).FirstOrDefault(g => g.Count() > 1);
        if (duplicate is not null)
            throw new ArgumentException($"Two runs are named '{duplicate.Key}'; give each run its own name (run.json \"name\") to compare them.", nameof(runs));
    }
}
