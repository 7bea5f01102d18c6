using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Flip.Reporting.Tests;
using Xunit.Abstractions;
using static Flip.Notebooks.Tests.TestNotebooks;

namespace Flip.Notebooks.Tests;

/// <summary>Every notebook in <c>notebooks/</c> executed in the real .NET Interactive kernel (the one VS Code's Polyglot
/// Notebooks runs) with <c>jupyter nbconvert --execute</c>, as a user would after the README's build: TorchSharp loads,
/// no cell errs, every chart is HTML with <c>Plotly.newPlot</c> and draws offline in headless Chromium, and each cell
/// has the same kinds of output as in <c>flip-research notebook run</c> (issue #19).</summary>
[Collection(NotebookRuns.Collection)]
public class KernelNotebookTests(NotebookRuns runs, ITestOutputHelper log)
{
    private const int WindowHeight = 12000;

    [KernelFact]
    public void Every_notebook_runs_in_the_dotnet_interactive_kernel_with_the_runners_outputs_and_charts_that_draw_offline()
    {
        IReadOnlyList<string> missing = JupyterKernel.Missing();
        Assert.True(missing.Count == 0, "CI=true and the .NET Interactive Jupyter kernel is not set up: " + string.Join("; ", missing)
            + ". ./test.sh (which .ci/run calls) installs the Debian packages and the dotnet tool and registers the kernel.");
        string output = Folder();
        var times = new StringBuilder("notebook                           kernel  runner\n");
        var (runner, runnerOutput) = runs.Runner;
        Assert.True(runner.ExitCode == 0, $"flip-research notebook run failed (exit {runner.ExitCode}); see {nameof(NotebooksTests)}.\n{runner.Output}");

        foreach (string notebook in runs.Notebooks)
        {
            string name = Path.GetFileName(notebook);
            var (exitCode, said, elapsed) = JupyterKernel.Execute(notebook, output, Path.Combine(output, "runs"));
            Assert.True(exitCode == 0, $"{name} failed in the kernel (nbconvert exit {exitCode}):\n{said}");
            times.Append(CultureInfo.InvariantCulture, $"{name,-32} {elapsed.TotalSeconds,6:0} s  {RunnerSeconds(runner.Output, name)}\n");

            var kernelCells = CodeCells(Load(Path.Combine(output, name)));
            var runnerCells = CodeCells(Load(Path.Combine(runnerOutput, name)));
            Assert.Equal(runnerCells.Count, kernelCells.Count);
            for (int i = 0; i < kernelCells.Count; i++)
            {
                var cell = kernelCells[i];
                Assert.True(cell["execution_count"] is not null, $"{name}: code cell {i + 1} did not run");
                Assert.DoesNotContain(Outputs(cell), o => (string?)o["output_type"] == "error");
                Assert.True(Shape(runnerCells[i]) == Shape(cell),
                    $"{name}: code cell {i + 1} has outputs [{Shape(cell)}] in the kernel but [{Shape(runnerCells[i])}] in notebook run");
                if (OutputHtml(runnerCells[i]).Contains("Plotly.newPlot", StringComparison.Ordinal))
                {
                    Assert.Contains("Plotly.newPlot", Html(cell));
                }
            }

            Assert.Contains("libLibTorchSharp.so loaded", OutputText(kernelCells[1]));
            string html = string.Join("\n", kernelCells.Select(Html));
            Assert.DoesNotContain("<script src=", html);
            int plotlyCopies = Regex.Matches(html, "inlined from Plotly.NET").Count;
            Assert.Equal(html.Contains("Plotly.newPlot", StringComparison.Ordinal) ? 1 : 0, plotlyCopies);
            NotebooksTests.Expect(name, html);
            if (plotlyCopies == 1) DrawsOffline(name, html, output);
        }

        // TorchSharp loaded the build's patched library: its fallback never copied the unpatched one next to TorchSharp.dll.
        Assert.False(Directory.Exists(Path.Combine(FlipCli.BuildFolder(), "cpu")), "TorchSharp copied native libraries from the NuGet cache into the build's cpu/ folder");
        log.WriteLine(times.ToString());
    }

    // The kernel's outputs, as a page, in headless Chromium without network: no script or console error, no request,
    // and plotly drew every chart.
    private static void DrawsOffline(string name, string html, string folder)
    {
        string path = Path.Combine(folder, Path.ChangeExtension(name, ".probe.html"));
        File.WriteAllText(path, $"<!DOCTYPE html>\n<html><head>\n<meta charset=\"utf-8\">\n{Chromium.Probe}</head>\n<body>\n{html}\n</body></html>\n");
        var (root, chromiumLog) = Chromium.RunProbe(path, WindowHeight);
        Assert.Empty(root.GetProperty("errors").EnumerateArray().Select(e => e.GetString()));
        Assert.Empty(root.GetProperty("requests").EnumerateArray().Select(e => e.GetString()));
        Assert.DoesNotMatch(Chromium.ConsoleLine, chromiumLog);
        var charts = root.GetProperty("charts").EnumerateArray().ToList();
        Assert.Equal(Regex.Matches(html, "<div class=\"flip-chart\"").Count, charts.Count);
        Assert.NotEmpty(charts);
        Assert.All(charts, c =>
        {
            Assert.True(c.GetProperty("plotly").GetBoolean(), $"{name}: {c.GetProperty("id").GetString()} was not turned into a plotly plot");
            Assert.True(c.GetProperty("traces").GetInt32() >= 1, $"{name}: {c.GetProperty("id").GetString()} has no drawn trace");
        });
    }

    private static List<JsonNode> CodeCells(JsonObject notebook) =>
        [.. notebook["cells"]!.AsArray().Where(c => (string?)c!["cell_type"] == "code").Select(c => c!)];

    private static IEnumerable<JsonNode> Outputs(JsonNode cell) =>
        (cell["outputs"]?.AsArray() ?? []).Where(o => !IsKernelBootstrap(o!)).Select(o => o!);

    private static bool IsKernelBootstrap(JsonNode output) =>
        output["data"]?["text/html"] is JsonNode html && html.ToJsonString().Contains(JupyterKernel.BootstrapMarker, StringComparison.Ordinal);

    // The kinds of output a cell has: stream / display_data / execute_result / error, and whether any is HTML.
    private static string Shape(JsonNode cell)
    {
        var outputs = Outputs(cell).ToList();
        var kinds = outputs.Select(o => (string)o["output_type"]!).Distinct().Order(StringComparer.Ordinal).ToList();
        if (outputs.Any(o => o["data"]?["text/html"] is not null)) kinds.Add("html");
        return string.Join(", ", kinds);
    }

    // A cell's outputs as HTML (as the runner's tests read them), without the kernel's own bootstrap output.
    private static string Html(JsonNode cell) => OutputHtml(new JsonObject { ["outputs"] = new JsonArray([.. Outputs(cell).Select(o => o.DeepClone())]) });

    private static string RunnerSeconds(string summary, string name) =>
        Regex.Match(summary, Regex.Escape(name) + @"\s*│\s*[^│]*│\s*([0-9.]+) s") is { Success: true } m ? m.Groups[1].Value + " s" : "?";
}
