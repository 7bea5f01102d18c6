using System.Text.Json;
using Plotly.NET;

namespace Flip.Reporting.Tests;

public sealed class ChartsTests
{
    private static JsonElement Figure(GenericChart chart) => JsonDocument.Parse(GenericChart.toFigureJson(chart)).RootElement;

    // Plotly.NET writes colours as rgba(r, g, b, a).
    private static string Rgba(string hex) =>
        $"rgba({Convert.ToInt32(hex[1..3], 16)}, {Convert.ToInt32(hex[3..5], 16)}, {Convert.ToInt32(hex[5..7], 16)}, 1.0)";

    private static List<JsonElement> Traces(GenericChart chart) => [.. Figure(chart).GetProperty("data").EnumerateArray()];

    [Theory]
    [InlineData("site-1", "#E69F00")]
    [InlineData("site-4", "#F0E442")]
    [InlineData("site-7", "#CC79A7")]
    [InlineData("site-8", "#E69F00")]   // wraps after the seven Okabe–Ito colours
    [InlineData("pooled", "#000000")]
    [InlineData("federated", "#7F7F7F")]   // the server's aggregate: a colour no site has (it used to hash to site-1's)
    public void SitePalette_gives_site_N_the_Nth_Okabe_Ito_colour(string site, string colour)
    {
        Assert.Equal(colour, SitePalette.ColorOf(site));
    }

    [Fact]
    public void SitePalette_gives_other_ids_the_same_palette_colour_every_time()
    {
        string colour = SitePalette.ColorOf("radboudumc");

        Assert.Contains(colour, SitePalette.SiteColors);
        Assert.Equal(colour, SitePalette.ColorOf("radboudumc"));
        Assert.DoesNotContain(SitePalette.ColorOf("federated"), SitePalette.SiteColors);
    }

    [Fact]
    public void MetricByRound_draws_one_line_per_site_in_its_colour_and_pooled_dashed_black()
    {
        var chart = Charts.MetricByRound(SampleRuns.Metrics(strategy: 0), "auroc");

        var traces = Traces(chart);
        Assert.Equal(["site-1", "site-2", "site-3", "site-4", "site-5", "site-6", "pooled"], traces.Select(t => t.GetProperty("name").GetString()));
        Assert.Equal(Rgba("#E69F00"), traces[0].GetProperty("line").GetProperty("color").GetString());
        Assert.Equal("solid", traces[0].GetProperty("line").GetProperty("dash").GetString());
        Assert.Equal(Rgba("#000000"), traces[6].GetProperty("line").GetProperty("color").GetString());
        Assert.Equal("dash", traces[6].GetProperty("line").GetProperty("dash").GetString());
        Assert.Equal([1, 2, 3, 4], traces[0].GetProperty("x").EnumerateArray().Select(x => x.GetInt32()));
        var layout = Figure(chart).GetProperty("layout");
        Assert.Equal("AUROC (0–1) per site by round (test)", layout.GetProperty("title").GetProperty("text").GetString());
        Assert.Equal("round", layout.GetProperty("xaxis").GetProperty("title").GetProperty("text").GetString());
        Assert.Equal(1, layout.GetProperty("xaxis").GetProperty("dtick").GetInt32());
        Assert.Equal("AUROC (0–1)", layout.GetProperty("yaxis").GetProperty("title").GetProperty("text").GetString());
    }

    [Fact]
    public void MetricByRound_names_a_metric_the_run_does_not_have()
    {
        var e = Assert.Throws<ArgumentException>(() => Charts.MetricByRound(SampleRuns.Metrics(0), "hausdorff"));

        Assert.StartsWith("The run has no rows of metric 'hausdorff' in split 'test' to draw.", e.Message);
    }

    [Fact]
    public void FairnessGapByRound_draws_best_minus_worst_per_round_for_each_strategy()
    {
        var chart = Charts.FairnessGapByRound([SampleRuns.Run("FedAvg", 0), SampleRuns.Run("FedBN", 1)], "auroc");

        var traces = Traces(chart);
        Assert.Equal(["FedAvg", "FedBN"], traces.Select(t => t.GetProperty("name").GetString()));
        // FedAvg, round 4: best site-2 0.86 − worst site-5 0.66
        Assert.Equal(0.2, traces[0].GetProperty("y")[3].GetDouble(), 9);
    }

    [Fact]
    public void SiteBars_colours_bars_by_site_and_draws_asymmetric_interval_whiskers()
    {
        var chart = Charts.SiteBars(
        [
            new SiteEstimate("FedAvg", "site-2", 0.8, new ConfidenceInterval(0.8, 0.7, 0.85, 0.95, 1000)),
            new SiteEstimate("FedBN", "site-2", 0.9, new ConfidenceInterval(0.9, 0.88, 0.99, 0.95, 1000)),
            new SiteEstimate("FedAvg", "site-1", 0.6, null),
        ], "auroc");

        var traces = Traces(chart);
        Assert.Equal(["site-1", "site-2"], traces.Select(t => t.GetProperty("name").GetString()));
        Assert.Equal(Rgba("#56B4E9"), traces[1].GetProperty("marker").GetProperty("color").GetString());
        Assert.Equal(["FedAvg", "FedBN"], traces[1].GetProperty("x").EnumerateArray().Select(x => x.GetString()));
        var error = traces[1].GetProperty("error_y");
        Assert.False(error.GetProperty("symmetric").GetBoolean());
        // upper − value: 0.85 − 0.8, 0.99 − 0.9; value − lower: 0.8 − 0.7, 0.9 − 0.88
        Assert.Equal([0.05, 0.09], error.GetProperty("array").EnumerateArray().Select(v => Math.Round(v.GetDouble(), 9)));
        Assert.Equal([0.1, 0.02], error.GetProperty("arrayminus").EnumerateArray().Select(v => Math.Round(v.GetDouble(), 9)));
        Assert.False(traces[0].TryGetProperty("error_y", out _));
    }

    [Fact]
    public void RocCurves_has_the_chance_line_and_one_curve_per_site_named_with_its_auroc()
    {
        var chart = Charts.RocCurves(RocTests.Patients);

        var traces = Traces(chart);
        Assert.Equal(["chance", "site-1 (AUROC 0.792, n = 7)"], traces.Select(t => t.GetProperty("name").GetString()));
        Assert.Equal([0, 0, 0.25, 0.25, 0.5, 0.75, 1], traces[1].GetProperty("x").EnumerateArray().Select(x => x.GetDouble()));
        Assert.Equal("false positive rate (1 − specificity)", Figure(chart).GetProperty("layout").GetProperty("xaxis").GetProperty("title").GetProperty("text").GetString());
    }

    [Fact]
    public void SiteDistribution_stacks_patients_with_and_without_cancer_per_site()
    {
        var chart = Charts.SiteDistribution(SampleRuns.Sites);

        var traces = Traces(chart);
        // site-1: 120 patients, 32 % → 38 with csPCa (rounded), 82 without
        Assert.Equal(38, traces[0].GetProperty("y")[0].GetDouble());
        Assert.Equal(82, traces[1].GetProperty("y")[0].GetDouble());
        Assert.Equal("Siemens 3.0 T · 32%", traces[1].GetProperty("text")[0].GetString());
        Assert.Equal("stack", Figure(chart).GetProperty("layout").GetProperty("barmode").GetString());
    }

    [Fact]
    public void GeneralisationHeatmap_puts_trained_at_on_rows_and_tested_at_on_columns()
    {
        var chart = Charts.GeneralisationHeatmap(SampleRuns.Metrics(0, cross: true), "auroc");

        Assert.NotNull(chart);
        var trace = Assert.Single(Traces(chart));
        Assert.Equal(0.85, trace.GetProperty("z")[2][2].GetDouble());
        // trained at site-1, tested at site-2: 0.55 + 0.04 · ((1 + 2·2) mod 5) = 0.55
        Assert.Equal(0.55, trace.GetProperty("z")[0][1].GetDouble());
        Assert.Equal("0.55", trace.GetProperty("text")[0][1].GetString());
        Assert.Null(Charts.GeneralisationHeatmap(SampleRuns.Metrics(0), "auroc"));
    }

    [Fact]
    public void PrivacyTradeoff_orders_runs_by_epsilon_and_labels_them()
    {
        var chart = Charts.PrivacyTradeoff([new PrivacyPoint("strong", 8, 0.8), new PrivacyPoint("weak", 1, 0.7)], "auroc");

        var trace = Assert.Single(Traces(chart));
        Assert.Equal([1.0, 8.0], trace.GetProperty("x").EnumerateArray().Select(x => x.GetDouble()));
        Assert.Equal(["weak", "strong"], trace.GetProperty("text").EnumerateArray().Select(x => x.GetString()));
    }
}
