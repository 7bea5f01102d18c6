using System.Text.Json;

namespace Flip.Reporting.Tests;

/// <summary>Opens a generated report.html in headless Chromium, offline, and checks what a person would see.</summary>
public sealed class BrowserTests
{
    private const int WindowHeight = 9000;

    [Fact]
    public void Probe_catches_a_chart_that_did_not_render_a_request_and_a_console_error()
    {
        // Given: a page with a chart but without plotly.js, which also asks the network for an image
        string folder = Directory.CreateTempSubdirectory("flip-probe-").FullName;
        try
        {
            var chart = Charts.MetricByRound(SampleRuns.Metrics(0), "auroc");
            string page = Html.Document("broken", Html.Render(chart, "chart-1") + "<img src=\"http://example.invalid/x.png\" alt=\"\">\n", includePlotly: false);
            string path = Path.Combine(folder, "broken.html");
            File.WriteAllText(path, page.Replace("<head>\n", "<head>\n" + Chromium.Probe, StringComparison.Ordinal));

            // When
            var (root, log) = Chromium.RunProbe(path, WindowHeight);

            // Then: the checks the report passes would have failed here
            Assert.Contains(root.GetProperty("errors").EnumerateArray(), e => e.GetString()!.Contains("Plotly is not defined", StringComparison.Ordinal));
            Assert.Contains("http://example.invalid/x.png", root.GetProperty("requests").EnumerateArray().Select(e => e.GetString()));
            var only = Assert.Single(root.GetProperty("charts").EnumerateArray());
            Assert.False(only.GetProperty("plotly").GetBoolean());
            Assert.Matches(Chromium.ConsoleLine, log);
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    [Fact]
    public void Report_renders_every_chart_offline_in_headless_chromium_without_errors_or_requests()
    {
        // Given: the report of three sample runs, and a probe copy of it
        string folder = Path.Combine(AppContext.BaseDirectory, "browser");
        if (Directory.Exists(folder)) Directory.Delete(folder, recursive: true);
        Directory.CreateDirectory(folder);
        string reportPath = Report.Write(ReportTests.WriteSampleRuns(Path.Combine(folder, "runs")), Path.Combine(folder, "report.html"));
        string html = File.ReadAllText(reportPath);
        Assert.DoesNotMatch(@"<(script|link|img|iframe)[^>]+(src|href)\s*=\s*[""']?https?:", html);
        string probePath = Path.Combine(folder, "report.probe.html");
        File.WriteAllText(probePath, html.Replace("<head>\n", "<head>\n" + Chromium.Probe, StringComparison.Ordinal));

        // When: Chromium renders the probe copy and dumps the DOM, then screenshots the report itself
        var (root, probeLog) = Chromium.RunProbe(probePath, WindowHeight);
        string screenshot = Path.Combine(folder, "report.png");
        var (_, screenshotLog) = Chromium.Run(reportPath, WindowHeight, $"--screenshot={screenshot}");

        // Then: every chart was drawn by plotly, with traces and a title; no script error, no request of any kind
        Assert.Empty(root.GetProperty("errors").EnumerateArray().Select(e => e.GetString()));
        Assert.Empty(root.GetProperty("requests").EnumerateArray().Select(e => e.GetString()));
        var charts = root.GetProperty("charts").EnumerateArray().ToList();
        Assert.Equal(ReportTests.SampleChartCount, charts.Count);
        Assert.All(charts, c =>
        {
            string id = c.GetProperty("id").GetString()!;
            Assert.True(c.GetProperty("plotly").GetBoolean(), $"{id} was not turned into a plotly plot.");
            Assert.True(c.GetProperty("svgs").GetInt32() >= 1, $"{id} has no svg.main-svg.");
            Assert.True(c.GetProperty("traces").GetInt32() >= 1, $"{id} has no drawn trace.");
            Assert.False(string.IsNullOrWhiteSpace(c.GetProperty("title").GetString()), $"{id} has no title.");
        });
        Assert.True(root.GetProperty("mainSvgs").GetInt32() >= ReportTests.SampleChartCount);
        Assert.True(root.GetProperty("height").GetInt32() <= WindowHeight, "The page is taller than the screenshot window; raise WindowHeight.");

        // Then: the page wrote nothing to the console in either run (Chromium logs each message as "INFO:CONSOLE:<line>] ...")
        Assert.DoesNotMatch(Chromium.ConsoleLine, probeLog);
        Assert.DoesNotMatch(Chromium.ConsoleLine, screenshotLog);

        // Then: in the screenshot, every chart's area holds a picture, not a blank box
        var png = Png.Read(screenshot);
        Assert.Equal(Chromium.WindowWidth, png.Width);
        foreach (var c in charts)
        {
            var (sd, ink) = png.Measure(
                (int)c.GetProperty("left").GetDouble(), (int)c.GetProperty("top").GetDouble(),
                (int)c.GetProperty("width").GetDouble(), (int)c.GetProperty("height").GetDouble());
            string id = c.GetProperty("id").GetString()!;
            Assert.True(sd > 10, $"{id}: luminance SD {sd:0.0} in its area of the screenshot; expected a drawn chart (> 10).");
            Assert.True(ink > 0.01, $"{id}: {ink:P1} of its area is not white; expected more than 1 %.");
        }
    }
}
