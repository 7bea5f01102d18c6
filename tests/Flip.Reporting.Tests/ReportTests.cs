using System.Text.RegularExpressions;

namespace Flip.Reporting.Tests;

public sealed class ReportTests : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("flip-report-").FullName;

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    /// <summary>Three runs: local-only training, FedAvg with the cross-site matrix, FedBN with differential privacy.</summary>
    internal static string[] WriteSampleRuns(string parent) =>
    [
        SampleRuns.WriteFolder(parent, "Local-only", strategy: 0, privacy: true),
        SampleRuns.WriteFolder(parent, "FedAvg", strategy: 1, cross: true, privacy: true),
        SampleRuns.WriteFolder(parent, "FedBN", strategy: 2, privacy: true),
    ];

    // cohort 1 + by-round 3 + gap 1 + site bars 1 + ROC 3 + generalisation 1 + privacy 1
    internal const int SampleChartCount = 11;

    [Fact]
    public void Write_produces_one_self_contained_file_with_plotly_inline_once_and_no_external_reference()
    {
        // Given
        string[] runs = WriteSampleRuns(_folder);
        string outFile = Path.Combine(_folder, "out", "report.html");

        // When
        string written = Report.Write(runs, outFile);

        // Then
        Assert.Equal(outFile, written);
        Assert.False(File.Exists(outFile + ".tmp"));
        string html = File.ReadAllText(outFile);
        Assert.Single(Regex.Matches(html, "plotly.js " + Regex.Escape(Html.PlotlyVersion) + @" \(MIT\), inlined"));
        Assert.Equal(SampleChartCount, Regex.Matches(html, "<div class=\"flip-chart\"").Count);
        Assert.DoesNotMatch(@"<(script|link|img|iframe)[^>]+(src|href)\s*=", html);
        string withoutPlotly = Regex.Replace(html, @"<script>/\* plotly\.js .*?</script>", "", RegexOptions.Singleline);
        Assert.DoesNotContain("http://", withoutPlotly);
        Assert.DoesNotContain("https://", withoutPlotly);
    }

    [Fact]
    public void Render_is_the_same_string_for_the_same_runs()
    {
        var runs = ReportTests.WriteSampleRuns(_folder).Select(RunRecord.Load).ToList();

        Assert.Equal(Report.Render(runs), Report.Render(runs));
    }

    [Fact]
    public void Render_has_every_section_and_names_gainers_and_losers_against_the_local_run()
    {
        var runs = WriteSampleRuns(_folder).Select(RunRecord.Load).ToList();

        string html = Report.Render(runs);

        foreach (string id in new[] { "configuration", "cohort", "sites", "charts", "fairness" }) Assert.Contains($"<h2 id=\"{id}\">", html);
        Assert.Contains("<caption>Who gains and who loses: Local-only → FedAvg, AUROC (0–1)</caption>", html);
        Assert.Contains("<caption>Who gains and who loses: Local-only → FedBN, AUROC (0–1)</caption>", html);
        Assert.Contains("<caption>FedBN: AUROC (0–1) per group of sites</caption>", html);
    }

    [Fact]
    public void Charts_lists_only_the_charts_the_runs_have_data_for()
    {
        var run = SampleRuns.Run("FedAvg", 0) with { Sites = [], Scores = [] };

        var charts = Report.Charts([run]);

        Assert.Equal(["chart-by-round-1", "chart-gap", "chart-site-bars"], charts.Select(c => c.Key));
    }

    [Fact]
    public void Render_without_charts_leaves_plotly_out()
    {
        var run = new RunRecord("tiny", RunConfiguration.From([]), new MetricTable([new(1, "site-1", "test", "dice", 0.5)]), [], []);

        string html = Report.Render([run], new ReportOptions { Metric = "auroc" });

        Assert.DoesNotContain("<script", html);
        Assert.Contains("The run folders hold no sites.json; sites: site-1.", html);
    }

    [Fact]
    public void Render_rejects_invalid_options_with_every_problem()
    {
        var e = Assert.Throws<ArgumentException>(() => Report.Render([SampleRuns.Run("FedAvg", 0)], new ReportOptions { Metric = "", BootstrapResamples = -1 }));

        Assert.StartsWith("Report options: Metric must name a metric such as 'auroc'. BootstrapResamples must be ≥ 0 (got -1).", e.Message);
        var prefix = Assert.Throws<ArgumentException>(() => Report.Render([SampleRuns.Run("FedAvg", 0)], new ReportOptions { ElementIdPrefix = "a b" }));
        Assert.StartsWith("Report options: ElementIdPrefix must be letters, digits, '-' or '_' (got 'a b').", prefix.Message);
    }

    [Fact]
    public void Write_leaves_the_previous_file_when_rendering_fails()
    {
        string outFile = Path.Combine(_folder, "report.html");
        File.WriteAllText(outFile, "previous");

        Assert.Throws<ArgumentException>(() => Report.Write(Array.Empty<RunRecord>(), outFile));

        Assert.Equal("previous", File.ReadAllText(outFile));
        Assert.False(File.Exists(outFile + ".tmp"));
    }

    [Fact]
    public void RenderFragment_prefixes_chart_ids_and_leaves_plotly_out_when_asked()
    {
        var run = SampleRuns.Run("FedAvg", 0) with { Scores = [] };

        string fragment = Report.RenderFragment([run], new ReportOptions { ElementIdPrefix = "out7-" }, includePlotly: false);

        Assert.StartsWith("<div class=\"flip-report\">\n<style>\n", fragment);
        Assert.Contains("id=\"out7-chart-gap\"", fragment);
        Assert.Contains("Plotly.newPlot(\"out7-chart-gap\"", fragment);
        Assert.DoesNotContain("plotly.js " + Html.PlotlyVersion + " (MIT)", fragment);
        Assert.DoesNotContain("<html", fragment);
        Assert.EndsWith("</div>\n", fragment);
    }

    [Fact]
    public void SiteEstimates_use_the_bootstrap_for_auroc_when_a_run_has_scores()
    {
        var run = SampleRuns.Run("FedAvg", 0);

        var estimates = Report.SiteEstimates([run], new ReportOptions { BootstrapResamples = 200 });

        Assert.Equal(6, estimates.Count);
        Assert.All(estimates, e => Assert.NotNull(e.Interval));
        var site1 = run.Scores.Where(s => s.Site == "site-1").ToList();
        Assert.Equal(Roc.Auroc(site1), estimates[0].Value, 12);
    }
}
