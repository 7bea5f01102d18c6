using System.Globalization;
using Flip.Federated.Runs;

namespace Flip.Reporting;

/// <summary>A run's long-format metrics (<c>metrics.csv</c>): one <see cref="MetricRow"/> per round, site, split and metric.</summary>
/// <remarks>
/// The file is UTF-8 CSV in invariant culture with the header <c>round,site,split,metric,value</c>, as
/// the run store writes it (ARCHITECTURE.md, data flow step 5). Fields are not quoted; site ids, splits
/// and metric keys hold no commas. A (round, site, split, metric) appears at most once.
/// </remarks>
public sealed class MetricTable
{
    /// <summary>The header line <c>metrics.csv</c> starts with (<see cref="MetricsFile"/>, the one schema).</summary>
    public const string Header = MetricsFile.Header;


    private readonly Dictionary<(int Round, string Site, string Split, string Metric), double> _index;

    /// <summary>Creates a table from rows; a (round, site, split, metric) may appear once.</summary>
    /// <param name="rows">The rows, in any order.</param>
    /// <exception cref="ArgumentException">Two rows share round, site, split and metric.</exception>
    public MetricTable(IEnumerable<MetricRow> rows)
    {
        ArgumentNullException.ThrowIfNull(rows);
        Rows = [.. rows];
        _index = new(Rows.Count);
        foreach (var row in Rows)
        {
            if (!_index.TryAdd((row.Round, row.Site, row.Split, row.Metric), row.Value))
            {
                throw new ArgumentException(string.Create(CultureInfo.InvariantCulture,
                    $"Round {row.Round}, site {row.Site}, split {row.Split}, metric {row.Metric} appears twice."), nameof(rows));
            }
        }
    }

    /// <summary>Every row, in file order.</summary>
    public IReadOnlyList<MetricRow> Rows { get; }

    /// <summary>The rounds present, ascending.</summary>
    public IReadOnlyList<int> Rounds => [.. Rows.Select(r => r.Round).Distinct().Order()];

    /// <summary>The last round present, or -1 for an empty table.</summary>
    public int LastRound => Rows.Count == 0 ? -1 : Rows.Max(r => r.Round);

    /// <summary>The metric keys present, in order of first appearance.</summary>
    public IReadOnlyList<string> Metrics => [.. Rows.Select(r => r.Metric).Distinct()];

    /// <summary>The site ids present, without the summary rows (<see cref="SiteIds.Pooled"/>, <see cref="SiteIds.Federated"/>), in natural order (<c>site-2</c> before <c>site-10</c>).</summary>
    public IReadOnlyList<string> Sites =>
        [.. Rows.Select(r => r.Site).Where(s => !SiteIds.IsSummary(s)).Distinct().Order(SiteIds.Comparer)];

    /// <summary>The value of one metric, or <see langword="null"/> when the run has no such row.</summary>
    /// <param name="round">The round.</param>
    /// <param name="site">The site id, or <see cref="SiteIds.Pooled"/>.</param>
    /// <param name="split">The split.</param>
    /// <param name="metric">The metric key.</param>
    /// <returns>The value, or <see langword="null"/>.</returns>
    public double? Find(int round, string site, string split, string metric) =>
        _index.TryGetValue((round, site, split, metric), out double value) ? value : null;

    /// <summary>Each site's value of a metric at one round, keyed by site id, without the pooled row.</summary>
    /// <param name="metric">The metric key.</param>
    /// <param name="round">The round.</param>
    /// <param name="split">The split; <see cref="SplitNames.Test"/> by default.</param>
    /// <returns>Site id → value, in natural site order; empty when the round has no such rows.</returns>
    public IReadOnlyDictionary<string, double> SiteValues(string metric, int round, string split = SplitNames.Test)
    {
        var values = new SortedDictionary<string, double>(SiteIds.Comparer);
        foreach (var row in Rows)
        {
            if (row.Round == round && row.Metric == metric && row.Split == split && !SiteIds.IsSummary(row.Site))
                values[row.Site] = row.Value;
        }
        return values;
    }

    /// <summary>The pooled value of a metric at a round: the <see cref="SiteIds.Pooled"/> row of <paramref name="split"/>
    /// or, failing that, of split <see cref="SplitNames.Pooled"/>; <see langword="null"/> when there is neither.</summary>
    /// <param name="metric">The metric key.</param>
    /// <param name="round">The round.</param>
    /// <param name="split">The split; <see cref="SplitNames.Test"/> by default.</param>
    /// <returns>The pooled value, or <see langword="null"/>.</returns>
    public double? PooledValue(string metric, int round, string split = SplitNames.Test) =>
        Find(round, SiteIds.Pooled, split, metric) ?? Find(round, SiteIds.Pooled, SplitNames.Pooled, metric);

    /// <summary>The strategy's own aggregate of a metric at a round (the <see cref="SiteIds.Federated"/> row of
    /// <paramref name="split"/>), else the pooled value; <see langword="null"/> when there is neither.</summary>
    /// <param name="metric">The metric key.</param>
    /// <param name="round">The round.</param>
    /// <param name="split">The split; <see cref="SplitNames.Test"/> by default.</param>
    /// <returns>The value, or <see langword="null"/>.</returns>
    public double? SummaryValue(string metric, int round, string split = SplitNames.Test) =>
        Find(round, SiteIds.Federated, split, metric) ?? PooledValue(metric, round, split);

    /// <summary>Reads and validates a <c>metrics.csv</c> file.</summary>
    /// <param name="path">The file.</param>
    /// <returns>The table.</returns>
    /// <exception cref="ReportInputException">The file is missing, or has a wrong header, a line with the wrong
    /// number of fields, a value that is not an invariant-culture number, a negative or non-integer round, an empty
    /// field, or a duplicate row; every problem (up to 20) is named by line and column.</exception>
    public static MetricTable Load(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        if (!File.Exists(path)) throw ReportInputException.Missing(path, "the run's long-format metrics with header " + Header);
        using var reader = new StreamReader(path);
        return Parse(reader, path);
    }

    /// <summary>Reads and validates long-format metrics CSV from a reader.</summary>
    /// <param name="reader">The CSV text.</param>
    /// <param name="fileName">The name errors use for the file.</param>
    /// <returns>The table.</returns>
    /// <exception cref="ReportInputException">The text is not valid <c>metrics.csv</c>; see <see cref="Load"/>.</exception>
    public static MetricTable Parse(TextReader reader, string fileName)
    {
        var (rows, problems) = MetricsFile.Parse(reader, fileName);
        if (problems.Count > 0) throw ReportInputException.BadCsv(fileName, problems);
        return new MetricTable([.. rows.Select(r => new MetricRow(r.Round, r.Site, r.Split, r.Metric, r.Value))]);
    }
}
