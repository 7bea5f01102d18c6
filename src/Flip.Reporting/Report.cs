using System.Globalization;
using System.Text;
using Plotly.NET;

namespace Flip.Reporting;

/// <summary>The report of one or more runs: one self-contained HTML file (plotly.js inline, no network request of any
/// kind) with run configuration, cohort, per-site tables, charts and a fairness summary.</summary>
/// <remarks>A team can mail the file around or open it on an air-gapped hospital network. <see cref="Render"/> is pure;
/// <see cref="Write(IReadOnlyList{RunRecord}, string, ReportOptions?)"/> writes atomically (a temporary file, then a rename),
/// so a failed write leaves no half file.</remarks>
public static class Report
{
    /// <summary>Reads run folders and writes their report.</summary>
    /// <param name="runFolders">One or more run folders (see <see cref="RunRecord.Load"/>); more than one are compared.</param>
    /// <param name="outFile">The HTML file to write, e.g. <c>runs/fedavg/report.html</c>.</param>
    /// <param name="options">What to show; the defaults of <see cref="ReportOptions"/> when <see langword="null"/>.</param>
    /// <returns>The full path of the written file.</returns>
    /// <exception cref="ReportInputException">A run folder is missing a file or holds a malformed one.</exception>
    /// <exception cref="ArgumentException">No folder is given, two runs share a name, or the options are invalid.</exception>
    public static string Write(IEnumerable<string> runFolders, string outFile, ReportOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(runFolders);
        return Write([.. runFolders.Select(RunRecord.Load)], outFile, options);
    }

    /// <summary>Writes the report of runs already in memory.</summary>
    /// <param name="runs">One or more runs.</param>
    /// <param name="outFile">The HTML file to write.</param>
    /// <param name="options">What to show; the defaults of <see cref="ReportOptions"/> when <see langword="null"/>.</param>
    /// <returns>The full path of the written file.</returns>
    /// <exception cref="ArgumentException">No run is given, two runs share a name, or the options are invalid.</exception>
    public static string Write(IReadOnlyList<RunRecord> runs, string outFile, ReportOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(outFile);
        string html = Render(runs, options);
        string path = Path.GetFullPath(outFile);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        string temporary = path + ".tmp";
        try
        {
            using (var stream = new FileStream(temporary, FileMode.Create, FileAccess.Write, FileShare.None))
            using (var writer = new StreamWriter(stream, new UTF8Encoding(encoderShouldEmitUTF8Identifier: false)))
            {
                writer.Write(html);
                writer.Flush();
                stream.Flush(flushToDisk: true);
            }
            File.Move(temporary, path, overwrite: true);
        }
        finally
        {
            if (File.Exists(temporary)) File.Delete(temporary);
        }
        return path;
    }

    /// <summary>The report as one HTML page, pure: the same runs and options give the same string.</summary>
    /// <param name="runs">One or more runs; more than one are compared.</param>
    /// <param name="options">What to show; the defaults of <see cref="ReportOptions"/> when <see langword="null"/>.</param>
    /// <returns>The page.</returns>
    /// <exception cref="ArgumentException">No run is given, two runs share a name, or the options are invalid.</exception>
    public static string Render(IReadOnlyList<RunRecord> runs, ReportOptions? options = null)
    {
        var o = options ?? new ReportOptions();
        var (body, chartCount) = RenderBody(runs, o);
        return Html.Document(o.Title, body, includePlotly: chartCount > 0);
    }

    /// <summary>The report as an HTML fragment for a notebook output: its stylesheet scoped in a <c>&lt;div&gt;</c>, plotly.js
    /// inline when asked for, no <c>&lt;html&gt;</c> or <c>&lt;head&gt;</c>.</summary>
    /// <remarks>Give each output its own <see cref="ReportOptions.ElementIdPrefix"/> so chart ids stay unique on the page;
    /// include plotly.js in the first output that has charts (or register it once in the kernel extension).</remarks>
    /// <param name="runs">One or more runs.</param>
    /// <param name="options">What to show; the defaults of <see cref="ReportOptions"/> when <see langword="null"/>.</param>
    /// <param name="includePlotly">Whether to inline plotly.js (about 3.5 MB) before the charts.</param>
    /// <returns>The fragment.</returns>
    /// <exception cref="ArgumentException">No run is given, two runs share a name, or the options are invalid.</exception>
    public static string RenderFragment(IReadOnlyList<RunRecord> runs, ReportOptions? options = null, bool includePlotly = true)
    {
        var (body, chartCount) = RenderBody(runs, options ?? new ReportOptions());
        var html = new StringBuilder("<div class=\"flip-report\">\n<style>\n").Append(Html.Stylesheet.Replace("body {", ".flip-report {", StringComparison.Ordinal)).Append("</style>\n");
        if (includePlotly && chartCount > 0) html.Append(Html.PlotlyScript()).Append('\n');
        return html.Append(body).Append("</div>\n").ToString();
    }

    /// <summary>The charts a report of these runs holds, in page order, each with its element id.</summary>
    /// <param name="runs">One or more runs.</param>
    /// <param name="options">What to show; the defaults of <see cref="ReportOptions"/> when <see langword="null"/>.</param>
    /// <returns>The charts.</returns>
    public static IReadOnlyList<KeyValuePair<string, GenericChart>> Charts(IReadOnlyList<RunRecord> runs, ReportOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(runs);
        var o = options ?? new ReportOptions();
        var charts = new List<KeyValuePair<string, GenericChart>>();
        var cohort = runs.FirstOrDefault(r => r.Sites.Count > 0)?.Sites;
        if (cohort is not null) charts.Add(KeyValuePair.Create("chart-cohort", Reporting.Charts.SiteDistribution(cohort)));
        for (int i = 0; i < runs.Count; i++)
        {
            if (!runs[i].Metrics.Rows.Any(r => r.Metric == o.Metric && r.Split == o.Split)) continue;
            charts.Add(KeyValuePair.Create($"chart-by-round-{i + 1}", Reporting.Charts.MetricByRound(runs[i].Metrics, o.Metric, o.Split, $"{runs[i].Name}: {MetricNames.Label(o.Metric)} per site by round ({o.Split})")));
        }
        if (runs.Any(r => Fairness.ByRound(r.Metrics, o.Metric, o.Split).Count > 0))
            charts.Add(KeyValuePair.Create("chart-gap", Reporting.Charts.FairnessGapByRound(runs, o.Metric, o.Split)));
        var estimates = SiteEstimates(runs, o);
        if (estimates.Count > 0) charts.Add(KeyValuePair.Create("chart-site-bars", Reporting.Charts.SiteBars(estimates, o.Metric)));
        for (int i = 0; i < runs.Count; i++)
        {
            if (runs[i].Scores.Count > 0)
                charts.Add(KeyValuePair.Create($"chart-roc-{i + 1}", Reporting.Charts.RocCurves(runs[i].Scores, $"{runs[i].Name}: ROC curve per site (csPCa, ISUP ≥ 2)")));
        }
        for (int i = 0; i < runs.Count; i++)
        {
            if (Reporting.Charts.GeneralisationHeatmap(runs[i].Metrics, o.Metric) is { } heatmap)
                charts.Add(KeyValuePair.Create($"chart-generalisation-{i + 1}", heatmap));
        }
        var privacy = PrivacyPoints(runs, o);
        if (privacy.Count > 0) charts.Add(KeyValuePair.Create("chart-privacy", Reporting.Charts.PrivacyTradeoff(privacy, o.Metric)));
        return charts;
    }

    /// <summary>Each run's per-site value of the report's metric at its last round, with a bootstrap interval over patients
    /// when the metric is AUROC and the run has per-patient scores (then the value is the AUROC of those scores).</summary>
    /// <param name="runs">The runs.</param>
    /// <param name="options">The metric, split, seed and resamples.</param>
    /// <returns>One estimate per run and site.</returns>
    public static IReadOnlyList<SiteEstimate> SiteEstimates(IReadOnlyList<RunRecord> runs, ReportOptions options)
    {
        ArgumentNullException.ThrowIfNull(runs);
        ArgumentNullException.ThrowIfNull(options);
        var estimates = new List<SiteEstimate>();
        foreach (var run in runs)
        {
            var values = run.Metrics.SiteValues(options.Metric, run.Metrics.LastRound, options.Split);
            var intervals = options.Metric == MetricNames.Auroc && run.Scores.Count > 0 && options.BootstrapResamples > 0
                ? Bootstrap.SiteAuroc(run.Scores, options.Seed, options.BootstrapResamples)
                : new Dictionary<string, ConfidenceInterval>();
            foreach (string site in values.Keys.Union(intervals.Keys).Order(SiteIds.Comparer))
            {
                if (intervals.TryGetValue(site, out var ci)) estimates.Add(new SiteEstimate(run.Name, site, ci.Estimate, ci));
                else estimates.Add(new SiteEstimate(run.Name, site, values[site], null));
            }
        }
        return estimates;
    }

    private static List<PrivacyPoint> PrivacyPoints(IReadOnlyList<RunRecord> runs, ReportOptions o)
    {
        var points = new List<PrivacyPoint>();
        foreach (var run in runs)
        {
            int last = run.Metrics.LastRound;
            // DP-FedAvg writes ε on the federated row, beside the strategy's own aggregate of the metric.
            double? epsilon = run.Metrics.SummaryValue(MetricNames.PrivacyEpsilon, last, o.Split);
            double? value = run.Metrics.SummaryValue(o.Metric, last, o.Split);
            if (epsilon is double e && value is double v) points.Add(new PrivacyPoint(run.Name, e, v));
        }
        return points;
    }

    private static (string Body, int ChartCount) RenderBody(IReadOnlyList<RunRecord> runs, ReportOptions o)
    {
        ArgumentNullException.ThrowIfNull(runs);
        if (runs.Count == 0) throw new ArgumentException("A report needs at least one run.", nameof(runs));
        var problems = o.Validate().ToList();
        if (problems.Count > 0) throw new ArgumentException("Report options: " + string.Join(" ", problems), nameof(o));
        var duplicate = runs.GroupBy(r => r.Name, StringComparer.Ordinal).FirstOrDefault(g => g.Count() > 1);
        if (duplicate is not null)
            throw new ArgumentException($"Two runs are named '{duplicate.Key}'; give each run its own name (run.json \"name\") to compare them.", nameof(runs));

        var charts = Charts(runs, o).ToDictionary(c => c.Key, c => c.Value);
        string metric = MetricNames.Label(o.Metric);
        var body = new StringBuilder();
        string Chart(string id, int height = 440) => charts.TryGetValue(id, out var chart) ? Html.Render(chart, o.ElementIdPrefix + id, height) : "";

        body.Append("<h1>").Append(Html.Encode(o.Title)).Append("</h1>\n");
        body.Append("<p class=\"lead\">").Append(Html.Encode(string.Create(CultureInfo.InvariantCulture,
            $"{runs.Count} run{(runs.Count == 1 ? "" : "s")}: {string.Join(", ", runs.Select(r => r.Name))}. Metric: {metric}, split: {o.Split}, each run at its last round. {(charts.Count > 0 ? $"Self-contained: plotly.js {Html.PlotlyVersion} is inline;" : "Self-contained:")} the page makes no network request.")))
            .Append("</p>\n");

        // A run that skipped rounds or whose loss did not fall is named before any of its numbers are read.
        var unhealthy = runs.Select(r => (r.Name, Health: r.Health())).Where(r => !r.Health.IsHealthy).ToList();
        if (unhealthy.Count > 0)
        {
            body.Append("<div class=\"run-checks\" id=\"run-checks\"><strong>Not a trained result as it stands:</strong><ul>\n");
            foreach (var (name, health) in unhealthy)
                body.Append("<li>").Append(Html.Encode($"{name}: {string.Join("; ", health.Problems)}.")).Append("</li>\n");
            body.Append("</ul></div>\n");
        }

        var cohort = runs.FirstOrDefault(r => r.Sites.Count > 0)?.Sites;
        body.Append("<h2 id=\"cohort\">Cohort</h2>\n");
        if (cohort is not null) body.Append(Html.Render(cohort)).Append(Chart("chart-cohort"));
        else body.Append("<p>The run folders hold no sites.json; sites: ").Append(Html.Encode(string.Join(", ", runs.SelectMany(r => r.Metrics.Sites).Distinct().Order(SiteIds.Comparer)))).Append(".</p>\n");

        body.Append("<h2 id=\"sites\">Per-site results</h2>\n");
        var worstMark = MetricNames.HigherIsBetter(o.Metric) ? CellMark.LowestPerColumn : CellMark.HighestPerColumn;
        body.Append(Html.Render(Frames.SiteByRun(runs, o.Metric, o.Split), $"{metric} per site and run, last round (worst site shaded)", mark: worstMark));
        body.Append("<div class=\"grid\">\n");
        foreach (var run in runs)
            body.Append(Html.Render(Frames.SiteTable(run.Metrics, null, o.Split), string.Create(CultureInfo.InvariantCulture, $"{run.Name}: all metrics at round {run.Metrics.LastRound}")));
        body.Append("</div>\n");

        body.Append("<h2 id=\"charts\">Charts</h2>\n");
        for (int i = 0; i < runs.Count; i++) body.Append(Chart($"chart-by-round-{i + 1}"));
        body.Append(Chart("chart-gap")).Append(Chart("chart-site-bars", 480));
        for (int i = 0; i < runs.Count; i++) body.Append(Chart($"chart-roc-{i + 1}", 480));
        for (int i = 0; i < runs.Count; i++) body.Append(Chart($"chart-generalisation-{i + 1}", 480));
        body.Append(Chart("chart-privacy"));

        body.Append("<h2 id=\"fairness\">Fairness</h2>\n");
        body.Append("<p>Sites count equally. Gap = |best − worst|; SD is the population standard deviation over sites; cv = SD / |mean|; ")
            .Append("Jain's index = (Σx)² / (n·Σx²), 1 when every site is equal; worst/best = 1 when every site is equal.</p>\n");
        var withSites = runs.Where(r => r.Metrics.SiteValues(o.Metric, r.Metrics.LastRound, o.Split).Count > 0).ToList();
        if (withSites.Count > 0) body.Append(Html.Render(Frames.Compare(withSites, o.Metric, o.Split), $"Fairness of {metric} per run, last round"));
        if (cohort is not null)
        {
            body.Append("<div class=\"grid\">\n");
            foreach (var run in withSites)
            {
                var values = run.Metrics.SiteValues(o.Metric, run.Metrics.LastRound, o.Split);
                var groups = Enum.GetValues<SiteGrouping>().SelectMany(g => Fairness.ByGroup(values, cohort, g, MetricNames.HigherIsBetter(o.Metric))).ToList();
                body.Append(Html.Render(groups, $"{run.Name}: {metric} per group of sites"));
            }
            body.Append("</div>\n");
        }
        var local = o.LocalRun is not null
            ? runs.FirstOrDefault(r => r.Name == o.LocalRun)
            : runs.FirstOrDefault(r => r.Name.Contains("local", StringComparison.OrdinalIgnoreCase));
        if (local is not null)
        {
            body.Append("<div class=\"grid\">\n");
            var before = local.Metrics.SiteValues(o.Metric, local.Metrics.LastRound, o.Split);
            foreach (var run in runs.Where(r => r != local))
            {
                var changes = Fairness.Changes(before, run.Metrics.SiteValues(o.Metric, run.Metrics.LastRound, o.Split), MetricNames.HigherIsBetter(o.Metric));
                body.Append(Html.Render(changes, $"Who gains and who loses: {local.Name} → {run.Name}, {metric}"));
            }
            body.Append("</div>\n");
        }

        // The settings come last and folded: they are for reproducing a run, not for reading it.
        body.Append("<h2 id=\"configuration\">Run configuration</h2>\n<details><summary>Settings, seeds and versions of each run</summary>\n<div class=\"grid\">\n");
        foreach (var run in runs) body.Append(Html.Render(run.Configuration, run.Name));
        body.Append("</div>\n</details>\n");
        return (body.ToString(), charts.Count);
    }
}
