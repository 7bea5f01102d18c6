using System.Text.Json.Nodes;
using Flip.Reporting;
using static Flip.Notebooks.Tests.TestNotebooks;

namespace Flip.Notebooks.Tests;

public class NotebookRunnerTests
{
    [Fact]
    public async Task Runs_every_cell_and_writes_stdout_return_values_and_errors_into_a_copy()
    {
        string folder = Folder();
        string path = WriteIpynb(folder, "basic.ipynb",
            Markdown("# Title"),
            Code("var rounds = 2;\nvar name = \"fedavg\";", "parameters"),
            Code("Console.WriteLine($\"training {name} for {rounds} rounds\");\nConsole.Error.WriteLine(\"warn\");"),
            Code("rounds * 21"));

        var result = await NotebookRunner.RunAsync(path, new NotebookRunOptions { OutputFolder = Path.Combine(folder, "out") });

        Assert.True(result.Succeeded, result.FailureMessage);
        Assert.Equal((3, 3), (result.CellsRun, result.CodeCells));
        Assert.Equal(Path.Combine(folder, "out", "basic.ipynb"), result.OutputPath);
        var cells = Load(result.OutputPath)["cells"]!.AsArray();
        Assert.Equal(4, cells.Count);
        Assert.Equal("training fedavg for 2 rounds\n", OutputText(cells[2]!).Split("\n\n")[0].Split('\n')[0] + "\n");
        Assert.Contains(cells[2]!["outputs"]!.AsArray(), o => (string?)o!["name"] == "stderr");
        Assert.Equal("42", OutputText(cells[3]!));
        Assert.Equal(3, (int)cells[3]!["execution_count"]!);
        Assert.Equal(["parameters"], cells[1]!["metadata"]!["tags"]!.AsArray().Select(t => (string)t!));
        Assert.False(File.Exists(Path.Combine(folder, "basic.out.ipynb")));
        Assert.Empty(Load(path)["cells"]![3]!["outputs"]!.AsArray());
    }

    [Fact]
    public async Task Parameters_are_injected_after_the_tagged_cell_and_recorded_in_the_metadata()
    {
        string folder = Folder();
        var parameters = Code("var rounds = 2;  // full: 20\nvar scale = 0.02;", "parameters");
        parameters["id"] = "study-parameters";
        string path = WriteIpynb(folder, "params.ipynb", parameters, Code("$\"{rounds}|{scale}\""));

        var result = await NotebookRunner.RunAsync(path, new NotebookRunOptions { Parameters = ["rounds=20", "scale=0.5"] });

        Assert.True(result.Succeeded, result.FailureMessage);
        Assert.Equal(Path.Combine(folder, "params.out.ipynb"), result.OutputPath);
        var output = Load(result.OutputPath);
        var cells = output["cells"]!.AsArray();
        Assert.Equal(3, cells.Count);
        Assert.Equal(["injected-parameters"], cells[1]!["metadata"]!["tags"]!.AsArray().Select(t => (string)t!));
        Assert.Equal("20|0.5", OutputText(cells[2]!));
        // nbformat 4.5 cell ids: kept where the notebook has one, a fresh unique one for the others.
        Assert.Equal(["study-parameters", "cell-2", "cell-3"], cells.Select(c => (string)c!["id"]!));
        var recorded = output["metadata"]![NotebookRunner.MetadataKey]!["parameters"]!.AsObject();
        Assert.Equal(("20", "0.5"), ((string)recorded["rounds"]!, (string)recorded["scale"]!));
    }

    [Fact]
    public async Task An_unknown_parameter_fails_before_any_cell_runs()
    {
        string folder = Folder();
        string path = WriteIpynb(folder, "params.ipynb", Code("var rounds = 2;", "parameters"), Code("File.WriteAllText(\"ran.txt\", \"x\");"));

        var e = await Assert.ThrowsAsync<FlipException>(() => NotebookRunner.RunAsync(path, new NotebookRunOptions { Parameters = ["rouns=3"] }));

        Assert.Contains("did you mean 'rounds'?", e.ToUserText());
        Assert.False(File.Exists(Path.Combine(folder, "ran.txt")));
        Assert.False(File.Exists(Path.Combine(folder, "params.out.ipynb")));
    }

    [Fact]
    public async Task The_first_failing_cell_stops_the_run_and_is_named_with_its_error()
    {
        string folder = Folder();
        string path = WriteIpynb(folder, "fails.ipynb",
            Markdown("intro"),
            Code("var x = 1;"),
            Code("throw new InvalidOperationException(\"the cohort is empty\");"),
            Code("File.WriteAllText(\"ran.txt\", \"x\");"));

        var result = await NotebookRunner.RunAsync(path, new NotebookRunOptions());

        Assert.False(result.Succeeded);
        Assert.Equal(3, result.FailedCell);
        Assert.Equal(1, result.CellsRun);
        Assert.StartsWith($"{path}: cell 3 failed: ", result.FailureMessage);
        Assert.Contains("the cohort is empty", result.FailureMessage);
        Assert.False(File.Exists(Path.Combine(folder, "ran.txt")));
        var cells = Load(result.OutputPath)["cells"]!.AsArray();
        Assert.Contains(cells[2]!["outputs"]!.AsArray(), o => (string?)o!["output_type"] == "error" && ((string?)o["evalue"])!.Contains("the cohort is empty"));
        Assert.Equal(3, (int)Load(result.OutputPath)["metadata"]![NotebookRunner.MetadataKey]!["failed_cell"]!);
    }

    [Fact]
    public async Task A_compile_error_names_the_cell_and_the_compiler_message()
    {
        string folder = Folder();
        string path = WriteIpynb(folder, "compile.ipynb", Code("var y = undefinedName + 1;"));

        var result = await NotebookRunner.RunAsync(path, new NotebookRunOptions());

        Assert.Equal(1, result.FailedCell);
        Assert.Contains("CS0103", result.Error);
        Assert.Contains("undefinedName", result.Error);
    }

    [Fact]
    public async Task A_cell_over_the_cell_timeout_fails_with_the_limit_named()
    {
        string folder = Folder();
        string path = WriteIpynb(folder, "slow.ipynb", Code("1"), Code("await Task.Delay(TimeSpan.FromMinutes(5));"), Code("3"));

        // The limit leaves room for the kernel's first compilation on a busy machine.
        var result = await NotebookRunner.RunAsync(path, new NotebookRunOptions { CellTimeout = TimeSpan.FromSeconds(15) });

        Assert.Equal(2, result.FailedCell);
        Assert.Equal("timed out after 15 s (the cell time limit of 15 s)", result.Error);
        Assert.Contains("Timeout", Load(result.OutputPath)["cells"]![1]!["outputs"]![0]!["ename"]!.GetValue<string>());
    }

    [Fact]
    public async Task The_notebook_timeout_bounds_the_sum_of_the_cells()
    {
        string folder = Folder();
        string path = WriteIpynb(folder, "slow.ipynb",
            Code("await Task.Delay(2000);"), Code("await Task.Delay(2000);"), Code("await Task.Delay(2000);"), Code("await Task.Delay(2000);"));

        // Each cell is well under the cell limit; together they are over the notebook's.
        var result = await NotebookRunner.RunAsync(path, new NotebookRunOptions { NotebookTimeout = TimeSpan.FromSeconds(5), CellTimeout = TimeSpan.FromMinutes(1) });

        Assert.False(result.Succeeded);
        Assert.Contains("the notebook's time limit of 5 s", result.Error);
        Assert.True(result.CellsRun < 4);
    }

    [Fact]
    public async Task A_dib_round_trips_into_an_executed_ipynb_with_the_same_cells()
    {
        string folder = Folder();
        string dib = Path.Combine(folder, "polyglot.dib");
        File.WriteAllText(dib, """
            #!meta

            {"kernelInfo":{"defaultKernelName":"csharp","items":[{"name":"csharp"}]}}

            #!markdown

            # A .dib notebook

            #!csharp

            // parameters
            var rounds = 2;

            #!csharp

            Console.WriteLine(rounds * 10);
            """);

        var result = await NotebookRunner.RunAsync(dib, new NotebookRunOptions { OutputFolder = Path.Combine(folder, "out"), Parameters = ["rounds=4"] });

        Assert.True(result.Succeeded, result.FailureMessage);
        Assert.Equal(Path.Combine(folder, "out", "polyglot.ipynb"), result.OutputPath);
        var source = NotebookFile.Read(dib);
        var executed = NotebookFile.Read(result.OutputPath);
        Assert.Equal(
            [("markdown", "# A .dib notebook"), ("csharp", "// parameters\nvar rounds = 2;"), ("csharp", "Console.WriteLine(rounds * 10);")],
            source.Elements.Select(e => (e.KernelName, e.Contents.Trim())));
        Assert.Equal(source.Elements[0].Contents.Trim(), executed.Elements[0].Contents.Trim());
        Assert.Equal(source.Elements[1].Contents.Trim(), executed.Elements[1].Contents.Trim());
        Assert.Equal(source.Elements[2].Contents.Trim(), executed.Elements[3].Contents.Trim());
        Assert.Equal("40", OutputText(Load(result.OutputPath)["cells"]![3]!).Trim());
        var inPlace = await Assert.ThrowsAsync<FlipException>(() => NotebookRunner.RunAsync(dib, new NotebookRunOptions { InPlace = true }));
        Assert.Contains("--inplace can't write outputs into a .dib", inPlace.Message);
    }

    [Fact]
    public async Task An_executed_ipynb_runs_again_in_place_with_the_same_cells_and_fresh_outputs()
    {
        string folder = Folder();
        string path = WriteIpynb(folder, "again.ipynb", Markdown("text"), Code("var n = 1;", "parameters"), Code("n + 1"));
        var first = await NotebookRunner.RunAsync(path, new NotebookRunOptions { InPlace = true });
        var second = await NotebookRunner.RunAsync(path, new NotebookRunOptions { InPlace = true, Parameters = ["n=5"] });

        Assert.True(first.Succeeded && second.Succeeded);
        Assert.Equal(path, second.OutputPath);
        var cells = Load(path)["cells"]!.AsArray();
        Assert.Equal(4, cells.Count);
        Assert.Equal("6", OutputText(cells[3]!));
        Assert.Single(cells[3]!["outputs"]!.AsArray());
    }

    [Fact]
    public async Task Nuget_references_resolve_in_the_runner()
    {
        string folder = Folder();
        string path = WriteIpynb(folder, "nuget.ipynb",
            Code("#r \"nuget: Humanizer.Core, 2.14.1\""),
            Code("using Humanizer;\n\"federated_learning_round\".Humanize()"));

        var result = await NotebookRunner.RunAsync(path, new NotebookRunOptions());

        Assert.True(result.Succeeded, result.FailureMessage);
        Assert.Contains("federated learning round", OutputText(Load(result.OutputPath)["cells"]![1]!));
    }

    [Fact]
    public async Task The_extension_displays_charts_offline_with_plotly_inlined_once()
    {
        string folder = Folder();
        string references = string.Join("\n", new[] { typeof(FlipKernelExtension), typeof(Charts), typeof(Plotly.NET.GenericChart), typeof(Microsoft.FSharp.Core.FSharpOption<>) }
            .Select(t => $"#r \"{t.Assembly.Location}\""));
        string path = WriteIpynb(folder, "charts.ipynb",
            Code(references + "\nFlip.Notebooks.FlipKernelExtension.Register();"),
            Code("var chart = Flip.Reporting.Charts.PrivacyTradeoff(new[] { new Flip.Reporting.PrivacyPoint(\"z=1\", 2.5, 0.7) }, \"auroc\");\nchart"),
            Code("chart"));

        var result = await NotebookRunner.RunAsync(path, new NotebookRunOptions());

        Assert.True(result.Succeeded, result.FailureMessage);
        var cells = Load(result.OutputPath)["cells"]!.AsArray();
        string first = OutputHtml(cells[1]!), second = OutputHtml(cells[2]!);
        Assert.Contains($"plotly.js {Html.PlotlyVersion} (MIT), inlined from Plotly.NET", first);
        Assert.Contains("Plotly.newPlot", first);
        Assert.Contains("Plotly.newPlot", second);
        Assert.DoesNotContain("inlined from Plotly.NET", second);
        Assert.DoesNotContain("<script src=", first + second);
        Assert.True(second.Length < 100_000, "the second chart carries plotly.js again");
    }
}
