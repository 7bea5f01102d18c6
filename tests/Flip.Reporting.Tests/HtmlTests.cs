using System.Text.RegularExpressions;
using Plotly.NET;

namespace Flip.Reporting.Tests;

public sealed class HtmlTests
{
    [Fact]
    public void Render_configuration_lists_top_level_keys_in_order()
    {
        var configuration = RunConfiguration.From([KeyValuePair.Create("strategy", "FedProx"), KeyValuePair.Create("mu", "0.01"), KeyValuePair.Create("note", "<b>&</b>")]);

        Golden.Verify("Html", "Configuration", Html.Render(configuration, "FedProx"), "html");
    }

    [Fact]
    public void Render_cohort_has_a_row_per_site_and_a_total()
    {
        Golden.Verify("Html", "Cohort", Html.Render(SampleRuns.Sites), "html");
    }

    [Fact]
    public void Render_fairness_summary_gives_each_measure_with_its_definition()
    {
        var summary = Fairness.Summarize(new Dictionary<string, double> { ["site-1"] = 0.6, ["site-2"] = 0.8, ["site-3"] = 0.7, ["site-4"] = 0.9 }, "auroc", 5, 0.78);

        Golden.Verify("Html", "FairnessSummary", Html.Render(summary), "html");
    }

    [Fact]
    public void Render_groups_and_changes()
    {
        var values = new Dictionary<string, double> { ["site-1"] = 0.6, ["site-2"] = 0.8, ["site-3"] = 0.7, ["site-4"] = 0.9 };
        var groups = Fairness.ByGroup(values, SampleRuns.Sites, SiteGrouping.Vendor);
        var changes = Fairness.Changes(values, new Dictionary<string, double> { ["site-1"] = 0.7, ["site-2"] = 0.75, ["site-3"] = 0.7 }, tolerance: 0.001);

        Golden.Verify("Html", "GroupsAndChanges", Html.Render(groups, "by vendor") + Html.Render(changes, "local → FedAvg"), "html");
    }

    [Fact]
    public void Render_frame_right_aligns_numbers_and_marks_missing_values()
    {
        var metrics = new MetricTable([new(1, "site-1", "test", "auroc", 0.5), new(1, "site-2", "test", "dice", 0.25), new(1, "pooled", "test", "auroc", 0.4)]);

        Golden.Verify("Html", "SiteTable", Html.Render(Frames.SiteTable(metrics), "round 1"), "html");
    }

    [Fact]
    public void Render_frame_marks_the_worst_site_of_each_column_but_never_the_pooled_row()
    {
        var frame = Frames.SiteByRun([SampleRuns.Run("FedAvg", 0), SampleRuns.Run("FedBN", 1)], "auroc");

        string lowest = Html.Render(frame, mark: CellMark.LowestPerColumn);
        string highest = Html.Render(frame, mark: CellMark.HighestPerColumn);

        // FedAvg's lowest is site-5 (0.660), FedBN's site-3 (0.630); highest: site-2 (0.860) and site-5 (0.870)
        Assert.Contains("<tr><th>site-5</th><td class=\"num worst\">0.660</td><td class=\"num\">0.870</td></tr>", lowest);
        Assert.Contains("<tr><th>site-3</th><td class=\"num\">0.700</td><td class=\"num worst\">0.630</td></tr>", lowest);
        Assert.Equal(2, Regex.Matches(lowest, "worst").Count);
        Assert.Contains("<tr><th>site-5</th><td class=\"num\">0.660</td><td class=\"num worst\">0.870</td></tr>", highest);
        Assert.Contains("<tr><th>site-2</th><td class=\"num worst\">0.860</td><td class=\"num\">0.790</td></tr>", highest);
        Assert.DoesNotContain("worst", Html.Render(frame));
    }

    [Fact]
    public void Render_chart_keeps_a_script_end_tag_in_a_name_from_closing_the_script()
    {
        var chart = Plotly.NET.CSharp.Chart.Line<int, double, string>(x: [1, 2], y: [0.5, 0.6], Name: "</script><b>x</b>");

        string html = Html.Render(chart, "chart-1", 300);

        Assert.StartsWith("<div class=\"flip-chart\" id=\"chart-1\" style=\"height:300px\"></div>\n<script>", html);
        Assert.Single(Regex.Matches(html, "</script>"));
        Assert.Contains("<\\/script>", html);
        Assert.Contains("Plotly.newPlot(\"chart-1\", f.data, f.layout, { responsive: true, displaylogo: false });", html);
        Assert.Contains("f.layout.height = 300;", html);
    }

    [Fact]
    public void Render_chart_rejects_an_element_id_that_would_break_the_page()
    {
        var chart = Plotly.NET.CSharp.Chart.Line<int, double, string>(x: [1], y: [0.5]);

        var e = Assert.Throws<ArgumentException>(() => Html.Render(chart, "a\" onload=\"x"));

        Assert.StartsWith("Element id 'a\" onload=\"x' must be letters, digits, '-' or '_'.", e.Message);
    }

    [Fact]
    public void PlotlyScript_inlines_the_plotly_js_that_ships_with_Plotly_NET()
    {
        string script = Html.PlotlyScript();

        Assert.Matches(@"^\d+\.\d+\.\d+$", Html.PlotlyVersion);
        Assert.StartsWith($"<script>/* plotly.js {Html.PlotlyVersion} (MIT), inlined from Plotly.NET */\n", script);
        Assert.True(script.Length > 1_000_000, $"plotly.js is {script.Length} characters; expected the full bundle (> 1 MB).");
        Assert.Single(Regex.Matches(script, "</script", RegexOptions.IgnoreCase));
        Assert.DoesNotMatch(@"<script[^>]+src", script);
    }

    [Fact]
    public void Document_puts_plotly_in_the_head_only_when_asked()
    {
        string without = Html.Document("t & t", "<p>body</p>\n", includePlotly: false);
        string with = Html.Document("t", "", includePlotly: true);

        Assert.StartsWith("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">", without);
        Assert.Contains("<title>t &amp; t</title>", without);
        Assert.DoesNotContain("<script", without);
        Assert.EndsWith("</head>\n<body>\n<p>body</p>\n</body>\n</html>\n", without);
        Assert.Single(Regex.Matches(with, "plotly.js " + Regex.Escape(Html.PlotlyVersion)));
    }
}
