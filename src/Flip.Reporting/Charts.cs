using System.Globalization;
using Microsoft.FSharp.Core;
using Plotly.NET;
using Plotly.NET.CSharp;
using CSharpChart = Plotly.NET.CSharp.Chart;

namespace Flip.Reporting;

/// <summary>Plotly.NET charts of runs: titled, axes labelled with units, one colour per site from <see cref="SitePalette"/>.</summary>
/// <remarks>Charts are values; <see cref="Html.Render(GenericChart, string, int)"/> turns one into HTML that needs plotly.js
/// once on the page, never from a CDN.</remarks>
public static class Charts
{
    private const string FontFamily = "Segoe UI, Helvetica, Arial, sans-serif";

    /// <summary>A metric per round: one line per site in its colour, the pooled value dashed black, the federated one dashed grey.</summary>
    /// <param name="metrics">The run's metrics.</param>
    /// <param name="metric">The metric key.</param>
    /// <param name="split">The split; <see cref="SplitNames.Test"/> by default.</param>
    /// <param name="title">The title; by default "&lt;metric&gt; per site by round".</param>
    /// <returns>The chart.</returns>
    /// <exception cref="ArgumentException">The run has no rows of the metric in the split.</exception>
    public static GenericChart MetricByRound(MetricTable metrics, string metric, string split = SplitNames.Test, string? title = null)
    {
        ArgumentNullException.ThrowIfNull(metrics);
        var lines = new List<GenericChart>();
        var sites = metrics.Rows.Where(r => r.Metric == metric && r.Split == split).Select(r => r.Site).Distinct().Order(SiteIds.Comparer);
        foreach (string site in sites)
        {
            var points = metrics.Rows.Where(r => r.Metric == metric && r.Split == split && r.Site == site).OrderBy(r => r.Round).ToList();
            bool pooled = SiteIds.IsSummary(site);
            lines.Add(CSharpChart.Line<int, double, string>(
                x: points.Select(p => p.Round),
                y: points.Select(p => p.Value),
                ShowMarkers: true,
                Name: site,
                LineColor: Color.fromHex(SitePalette.ColorOf(site)),
                MarkerColor: Color.fromHex(SitePalette.ColorOf(site)),
                LineWidth: pooled ? 3.0 : 2.0,
                LineDash: pooled ? StyleParam.DrawingStyle.Dash : StyleParam.DrawingStyle.Solid));
        }
        if (lines.Count == 0) throw new ArgumentException($"The run has no rows of metric '{metric}' in split '{split}' to draw.", nameof(metric));
        return IntegerRounds(Style(Combine(lines), title ?? $"{MetricNames.Label(metric)} per site by round ({split})", "round", MetricNames.Label(metric)), metrics.Rounds.Count);
    }

    /// <summary>The fairness gap (best − worst site) of a metric per round, one line per strategy.</summary>
    /// <param name="runs">The runs to compare.</param>
    /// <param name="metric">The metric key.</param>
    /// <param name="split">The split; <see cref="SplitNames.Test"/> by default.</param>
    /// <returns>The chart.</returns>
    public static GenericChart FairnessGapByRound(IReadOnlyList<RunRecord> runs, string metric, string split = SplitNames.Test)
    {
        ArgumentNullException.ThrowIfNull(runs);
        StyleParam.DrawingStyle[] dashes = [StyleParam.DrawingStyle.Solid, StyleParam.DrawingStyle.Dash, StyleParam.DrawingStyle.Dot, StyleParam.DrawingStyle.DashDot];
        var lines = runs.Select((run, i) =>
        {
            var rounds = Fairness.ByRound(run.Metrics, metric, split);
            return CSharpChart.Line<int, double, string>(
                x: rounds.Select(r => r.Round),
                y: rounds.Select(r => r.Gap),
                ShowMarkers: true,
                Name: run.Name,
                LineColor: Color.fromHex(SitePalette.StrategyColor(i)),
                MarkerColor: Color.fromHex(SitePalette.StrategyColor(i)),
                LineDash: dashes[i % dashes.Length]);
        });
        int rounds = runs.Count == 0 ? 1 : runs.Max(r => r.Metrics.Rounds.Count);
        return IntegerRounds(Style(Combine(lines), $"Fairness gap: best − worst site {MetricNames.Label(metric)} by round", "round", $"best − worst {MetricNames.Label(metric)}"), rounds);
    }

    /// <summary>Per-site bars grouped by strategy, each site in its colour, with confidence-interval error bars where known.</summary>
    /// <param name="estimates">The bars.</param>
    /// <param name="metric">The metric key, for the title and axis.</param>
    /// <returns>The chart.</returns>
    public static GenericChart SiteBars(IEnumerable<SiteEstimate> estimates, string metric)
    {
        ArgumentNullException.ThrowIfNull(estimates);
        var list = estimates.ToList();
        var groups = list.Select(e => e.Group).Distinct().ToList();
        var bars = new List<GenericChart>();
        foreach (var bySite in list.GroupBy(e => e.Site).OrderBy(g => g.Key, SiteIds.Comparer))
        {
            var ordered = bySite.OrderBy(e => groups.IndexOf(e.Group)).ToList();
            var bar = CSharpChart.Column<double, string, string>(
                values: ordered.Select(e => e.Value),
                Keys: ordered.Select(e => e.Group).ToArray(),
                Name: bySite.Key,
                MarkerColor: Color.fromHex(SitePalette.ColorOf(bySite.Key)));
            if (ordered.Any(e => e.Interval is not null))
            {
                var plus = ordered.Select(e => e.Interval is { } ci ? Math.Max(0, ci.Upper - e.Value) : 0).ToArray();
                var minus = ordered.Select(e => e.Interval is { } ci ? Math.Max(0, e.Value - ci.Lower) : 0).ToArray();
                bar = WithTraceProperty(bar, "error_y", new { type = "data", symmetric = false, array = plus, arrayminus = minus, color = "#333333", thickness = 1.2, width = 3 });
            }
            bars.Add(bar);
        }
        bool withIntervals = list.Any(e => e.Interval is not null);
        string title = $"{MetricNames.Label(metric)} per site and strategy" + (withIntervals ? " (bars: 95 % bootstrap CI over patients)" : "");
        return Style(Combine(bars), title, "strategy", MetricNames.Label(metric));
    }

    /// <summary>ROC curves, one per site in its colour, with the chance diagonal; the legend gives each site's AUROC.</summary>
    /// <param name="scores">Per-patient labels and scores of one or more sites.</param>
    /// <param name="title">The title; "ROC curve per site" by default.</param>
    /// <returns>The chart; sites with only one class are left out.</returns>
    public static GenericChart RocCurves(IEnumerable<PatientScore> scores, string? title = null)
    {
        ArgumentNullException.ThrowIfNull(scores);
        var lines = new List<GenericChart>
        {
            CSharpChart.Line<double, double, string>(
                x: [0.0, 1.0], y: [0.0, 1.0], Name: "chance", LineColor: Color.fromHex("#999999"), LineDash: StyleParam.DrawingStyle.Dot),
        };
        foreach (var site in scores.GroupBy(s => s.Site).OrderBy(g => g.Key, SiteIds.Comparer))
        {
            var curve = Roc.Curve(site);
            if (curve.Count == 0) continue;
            string name = string.Create(CultureInfo.InvariantCulture, $"{site.Key} (AUROC {Roc.Auroc(site):0.000}, n = {site.Count()})");
            lines.Add(CSharpChart.Line<double, double, string>(
                x: curve.Select(p => p.FalsePositiveRate),
                y: curve.Select(p => p.TruePositiveRate),
                Name: name,
                LineColor: Color.fromHex(SitePalette.ColorOf(site.Key)),
                LineWidth: 2.0));
        }
        return Style(Combine(lines), title ?? "ROC curve per site (csPCa, ISUP ≥ 2)", "false positive rate (1 − specificity)", "true positive rate (sensitivity)");
    }

    /// <summary>The cohort's sites: patients with and without csPCa per site, labelled with vendor, field strength and prevalence.</summary>
    /// <param name="sites">The sites.</param>
    /// <returns>The chart.</returns>
    public static GenericChart SiteDistribution(IReadOnlyList<SiteInfo> sites)
    {
        ArgumentNullException.ThrowIfNull(sites);
        var ordered = sites.OrderBy(s => s.Id, SiteIds.Comparer).ToList();
        var labels = ordered.Select(s => $"{s.Id}<br>{s.DisplayName}").ToList();
        var colors = Color.fromColors(ordered.Select(s => Color.fromHex(SitePalette.ColorOf(s.Id))));
        var positives = ordered.Select(s => Math.Round(s.Patients * s.CsPcaPrevalence)).ToList();
        var withCancer = CSharpChart.Column<double, string, string>(
            values: positives,
            Keys: labels.ToArray(),
            Name: "csPCa (ISUP ≥ 2)",
            MarkerColor: colors);
        var withoutCancer = CSharpChart.Column<double, string, string>(
            values: ordered.Select((s, i) => s.Patients - positives[i]),
            Keys: labels.ToArray(),
            Name: "no csPCa",
            MultiText: ordered.Select(s => string.Create(CultureInfo.InvariantCulture, $"{s.Vendor} {s.GroupOf(SiteGrouping.FieldStrength)} · {s.CsPcaPrevalence:0%}")).ToArray(),
            TextPosition: StyleParam.TextPosition.Inside,
            MarkerColor: colors,
            MarkerPatternShape: StyleParam.PatternShape.DiagonalDescending);
        var chart = WithLayoutProperty(Combine([withCancer, withoutCancer]), "barmode", "stack");
        chart = WithTraceProperty(chart, "textangle", 0);
        return Style(chart, "Patients per site: csPCa (solid) and no csPCa (hatched), vendor, field strength, prevalence", "site", "patients (count)");
    }

    /// <summary>The site × site generalisation heat map: rows are the site a model was trained at, columns the site it was tested at.</summary>
    /// <remarks>Reads rows of split <c>cross:site-k</c> (<see cref="SplitNames.CrossPrefix"/>) at the last round that has them.</remarks>
    /// <param name="metrics">The run's metrics.</param>
    /// <param name="metric">The metric key.</param>
    /// <returns>The chart, or <see langword="null"/> when the run has no cross-site rows of the metric.</returns>
    public static GenericChart? GeneralisationHeatmap(MetricTable metrics, string metric)
    {
        ArgumentNullException.ThrowIfNull(metrics);
        var cross = metrics.Rows.Where(r => r.Metric == metric && r.Split.StartsWith(SplitNames.CrossPrefix, StringComparison.Ordinal)).ToList();
        if (cross.Count == 0) return null;
        int round = cross.Max(r => r.Round);
        cross = [.. cross.Where(r => r.Round == round)];
        var trainedAt = cross.Select(r => r.Site).Distinct().Order(SiteIds.Comparer).ToList();
        var testedAt = cross.Select(r => r.Split[SplitNames.CrossPrefix.Length..]).Distinct().Order(SiteIds.Comparer).ToList();
        var lookup = cross.ToDictionary(r => (r.Site, r.Split[SplitNames.CrossPrefix.Length..]), r => r.Value);
        var z = trainedAt.Select(a => testedAt.Select(b => lookup.TryGetValue((a, b), out double v) ? v : double.NaN).ToArray()).ToArray();
        var text = trainedAt.Select(a => testedAt.Select(b => lookup.TryGetValue((a, b), out double v) ? v.ToString("0.00", CultureInfo.InvariantCulture) : "").ToArray()).ToArray();
        var heatmap = CSharpChart.Heatmap<double, string, string, string>(
            zData: z,
            X: testedAt.ToArray(),
            Y: trainedAt.ToArray(),
            ColorScale: StyleParam.Colorscale.Viridis,
            ReverseYAxis: true);
        var chart = WithTraceProperty(heatmap, "text", text);
        chart = WithTraceProperty(chart, "texttemplate", "%{text}");
        chart = WithTraceProperty(chart, "colorbar", new { title = new { text = MetricNames.Label(metric) } });
        return Style(chart, string.Create(CultureInfo.InvariantCulture, $"Generalisation: {MetricNames.Label(metric)} of each site's local model at every site (round {round})"),
            "tested at site", "trained at site");
    }

    /// <summary>The privacy–utility trade-off: each run's differential-privacy budget ε against the metric it reached.</summary>
    /// <param name="points">One point per run.</param>
    /// <param name="metric">The metric key, for the axis.</param>
    /// <returns>The chart.</returns>
    public static GenericChart PrivacyTradeoff(IEnumerable<PrivacyPoint> points, string metric)
    {
        ArgumentNullException.ThrowIfNull(points);
        var ordered = points.OrderBy(p => p.Epsilon).ToList();
        var line = CSharpChart.Line<double, double, string>(
            x: ordered.Select(p => p.Epsilon),
            y: ordered.Select(p => p.Value),
            ShowMarkers: true,
            Name: "runs",
            MultiText: ordered.Select(p => p.Run).ToArray(),
            TextPosition: StyleParam.TextPosition.TopCenter,
            LineColor: Color.fromHex(SitePalette.StrategyColor(0)),
            MarkerColor: Color.fromHex(SitePalette.StrategyColor(0)));
        return Style(line, $"Privacy–utility: {MetricNames.Label(metric)} against differential-privacy budget ε", "privacy budget ε (lower is more private)", MetricNames.Label(metric));
    }

    private static GenericChart Combine(IEnumerable<GenericChart> charts) => CSharpChart.Combine(charts);

    private static GenericChart Style(GenericChart chart, string title, string xAxis, string yAxis)
    {
        chart = chart.WithXAxisStyle<double, double, string>(TitleText: xAxis, ZeroLine: false)
            .WithYAxisStyle<double, double, string>(TitleText: yAxis, ZeroLine: false);
        var layout = new Layout();
        layout.SetProperty("title", new { text = title, x = 0.02, xanchor = "left", font = new { size = 16 } });
        layout.SetProperty("font", new { family = FontFamily, size = 12, color = "#222222" });
        layout.SetProperty("margin", new { l = 70, r = 30, t = 60, b = 70 });
        layout.SetProperty("paper_bgcolor", "#FFFFFF");
        layout.SetProperty("plot_bgcolor", "#FFFFFF");
        layout.SetProperty("legend", new { bgcolor = "rgba(255,255,255,0.8)" });
        return GenericChart.addLayout(layout, chart);
    }

    // Rounds are whole numbers: tick every round, or every k-th so that at most ~10 ticks show.
    private static GenericChart IntegerRounds(GenericChart chart, int roundCount)
    {
        var axis = GenericChart.getLayout(chart).TryGetPropertyValue("xaxis");
        if (FSharpOption<object>.get_IsSome(axis) && axis.Value is DynamicObj.DynamicObj xAxis)
            xAxis.SetProperty("dtick", Math.Max(1, (int)Math.Ceiling(roundCount / 10.0)));
        return chart;
    }

    private static GenericChart WithLayoutProperty(GenericChart chart, string name, object value)
    {
        var layout = new Layout();
        layout.SetProperty(name, value);
        return GenericChart.addLayout(layout, chart);
    }

    private static GenericChart WithTraceProperty(GenericChart chart, string name, object value) =>
        GenericChart.mapTrace(FuncConvert.FromFunc<Trace, Trace>(trace =>
        {
            trace.SetProperty(name, value);
            return trace;
        }), chart);
}
