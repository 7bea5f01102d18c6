using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Xunit.Abstractions;
using static Flip.Notebooks.Tests.TestNotebooks;

namespace Flip.Notebooks.Tests;

/// <summary>Every notebook in <c>notebooks/</c> runs with its smoke parameters through the real CLI (as CI and a user run
/// it), and its outputs hold what the notebook promises: tables with the sites, charts, numbers.</summary>
[Collection(NotebookRuns.Collection)]
public class NotebooksTests(NotebookRuns runs, ITestOutputHelper log)
{
    private static readonly string Root = RepositoryRoot();

    [Fact]
    public void Every_notebook_runs_with_its_smoke_parameters_and_shows_tables_charts_and_numbers()
    {
        string[] notebooks = runs.Notebooks;
        Assert.True(notebooks.Length >= 7, $"expected the research notebooks in {Root}/notebooks");
        var (run, output) = runs.Runner;

        log.WriteLine(run.Output);  // the summary table: time per notebook
        Assert.True(run.ExitCode == 0, $"exit code {run.ExitCode}\n{run.Output}\n{run.Error}");
        foreach (string notebook in notebooks)
        {
            string name = Path.GetFileName(notebook);
            Assert.Contains(name, run.Output);
            JsonObject executed = Load(Path.Combine(output, name));
            Assert.Null(executed["metadata"]![NotebookRunner.MetadataKey]!["failed_cell"]);
            var cells = executed["cells"]!.AsArray().Where(c => (string?)c!["cell_type"] == "code").ToList();
            Assert.All(cells, c => Assert.NotNull(c!["execution_count"]));
            Assert.Contains("FLIP Research build:", OutputText(cells[0]!));
            Assert.Contains("libLibTorchSharp.so loaded", OutputText(cells[1]!));
            string html = string.Join("\n", cells.Select(c => OutputHtml(c!)));
            Assert.DoesNotContain("<script src=", html);
            int plotlyCopies = Regex.Matches(html, "inlined from Plotly.NET").Count;
            Assert.True(plotlyCopies <= 1, $"{name} carries plotly.js {plotlyCopies} times");
            if (html.Contains("Plotly.newPlot", StringComparison.Ordinal)) Assert.Equal(1, plotlyCopies);
            Expect(name, html);
        }

        NoPatientIdentifierIn(notebooks.Select(n => Load(Path.Combine(output, Path.GetFileName(n)))).ToList());
    }

    /// <summary>The privacy audit of notebook outputs: notebook 09 trains on a synthetic DICOM archive whose files carry
    /// fake but recognisable names, IDs and birth dates; none of them may appear in any output of any notebook.</summary>
    private void NoPatientIdentifierIn(IReadOnlyList<JsonObject> executed)
    {
        string? archive = Directory.GetDirectories(Path.GetTempPath(), "flip-notebook-archive-*").OrderByDescending(Directory.GetLastWriteTimeUtc).FirstOrDefault();
        Assert.True(archive is not null, "notebook 09 wrote no synthetic archive to audit");
        var identifiers = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        var files = Directory.GetFiles(archive, "*.dcm", SearchOption.AllDirectories);
        foreach (string file in files)
        {
            var dataset = Flip.Imaging.Dicom.DicomFile.Open(file, Flip.Imaging.Dicom.DicomReadOptions.HeaderOnly).Dataset;
            string name = dataset.GetString(Flip.Imaging.Dicom.DicomTag.PatientName);
            string[] parts = name.Split('^');
            identifiers.Add(name);
            identifiers.Add(string.Join(' ', parts.Reverse()));
            identifiers.Add(string.Join(", ", parts));
            identifiers.Add(dataset.GetString(Flip.Imaging.Dicom.DicomTag.PatientId));
            string birth = dataset.GetString(Flip.Imaging.Dicom.DicomTag.PatientBirthDate);
            identifiers.Add(birth);
            identifiers.Add($"{birth[..4]}-{birth[4..6]}-{birth[6..]}");
        }

        // Positive control: the scan finds the identifiers where they are, in the DICOM files themselves.
        string dicomText = System.Text.Encoding.UTF8.GetString(File.ReadAllBytes(files[0]));
        Assert.Contains(identifiers, id => dicomText.Contains(id, StringComparison.OrdinalIgnoreCase));

        string outputs = string.Join("\n", executed.SelectMany(n => n["cells"]!.AsArray()).Select(c => OutputText(c!) + "\n" + OutputHtml(c!)));
        var leaked = identifiers.Where(id => outputs.Contains(id, StringComparison.OrdinalIgnoreCase)).ToList();
        log.WriteLine($"privacy audit: {identifiers.Count} identifier forms of {files.Length} DICOM files checked against {outputs.Length:N0} characters of notebook output");
        Assert.True(leaked.Count == 0, "patient identifiers in notebook outputs: " + string.Join(", ", leaked));
    }

    [Fact]
    public void The_cli_exits_non_zero_naming_the_notebook_cell_and_error_and_prints_the_summary()
    {
        string folder = Folder();
        string ok = WriteIpynb(folder, "a-ok.ipynb", Code("var rounds = 2;", "parameters"), Code("rounds + 1"));
        string bad = WriteIpynb(folder, "b-bad.ipynb", Markdown("intro"), Code("var rounds = 1;", "parameters"), Code("throw new Exception(\"no sites\");"));

        var run = Cli(folder, ["notebook", "run", ok, bad, "--out", Path.Combine(folder, "out"), "--param", "rounds=3"]);

        Assert.Equal(ExitCodes.RunFailed, run.ExitCode);
        Assert.Contains($"error: {bad}: cell 4 failed:", run.Output);
        Assert.Contains("no sites", run.Output);
        Assert.Matches(@"a-ok\.ipynb\s*│\s*3/3\s*│\s*[0-9.]+ s\s*│\s*ok", run.Output);
        Assert.Contains("b-bad.ipynb: cell 4 FAILED", run.Error);

        // Parameters are checked in every notebook before any runs: nothing is written.
        string again = Path.Combine(folder, "again");
        var unknown = Cli(folder, ["notebook", "run", ok, bad, "--out", again, "--param", "round=3"]);
        Assert.Equal(ExitCodes.BadCommandLine, unknown.ExitCode);
        Assert.Contains("did you mean 'rounds'?", unknown.Output);
        Assert.False(Directory.Exists(again));
    }

    /// <summary>What each notebook's outputs must hold (tables with the sites, charts, numbers), whoever executed it.</summary>
    internal static void Expect(string notebook, string html)
    {
        string[] sites = ["site-1", "site-2", "site-3", "site-4", "site-5", "site-6"];
        bool numbers = Regex.IsMatch(html, @"\b0\.\d{3}\b");
        switch (notebook)
        {
            case "01-quick-start.ipynb":
                Assert.All(sites, s => Assert.Contains($"<tr><th>{s}</th>", html));
                Assert.Contains("Plotly.newPlot", html);
                Assert.Contains("Jain", html);
                Assert.True(numbers);
                break;
            case "02-data.ipynb":
                Assert.Equal(6, Regex.Matches(html, "data:image/png;base64,iVBORw0KGgo").Count / 2);
                Assert.Matches(@"\d+ DICOM files written", html);
                Assert.Contains("t2_tse_tra", html);
                Assert.Contains("T2W mean", html);
                break;
            case "03-strategies.ipynb":
                Assert.All(["local-only", "fedavg", "fedprox", "fedbn", "scaffold", "fedadam", "centralised"], s => Assert.Contains(s, html));
                Assert.Contains("Fairness across sites", html);
                Assert.True(numbers);
                break;
            case "04-fairness.ipynb":
                Assert.Contains("heatmap", html);
                Assert.Contains("HeldOutSite", html);
                Assert.Contains("site-6", html);
                break;
            case "05-non-iid.ipynb":
                Assert.All(["iid", "dirichlet:0.1", "quantity:1.5", "label skew", "worst AUROC", "part-6"], s => Assert.Contains(s, html));
                Assert.Contains("Plotly.newPlot", html);
                Assert.True(numbers);
                break;
            case "06-privacy.ipynb":
                Assert.Matches(@"Epsilon\s*</td>|Epsilon", html);
                Assert.Contains("z=1.5", html);
                Assert.Contains("Plotly.newPlot", html);
                break;
            case "07-real-nodes.ipynb":
                Assert.Matches(@"2 round\(s\), 0 failure\(s\)", html);
                Assert.Contains("auroc", html);
                break;
            case "08-paper-reproductions.ipynb":
                Assert.True(Regex.Matches(html, "does not agree|inconclusive|agrees").Count >= 3, "three claim verdicts: FedBN on AUROC and on Dice, FedProx");
                Assert.Contains("FedBN", html);
                Assert.Contains("FedBN beats FedAvg on lesion segmentation (Dice)", html); // the claim judged on the pixel task too
                break;
            case "09-public-datasets.ipynb":
                // Every template says whether its data is here; the chosen one (PI-CAI) says where to get it and skips training.
                Assert.All(["picai-public.json", "prostate158.json", "prostatex.json", "msd-task05.json"], t => Assert.Contains($"<td>{t}</td>", html));
                if (!Directory.Exists(Path.Combine(Root, "data", "picai")))
                {
                    Assert.Contains("picai-public.json (PI-CAI public training): data absent. Get the data from https://zenodo.org/records/6624726", html);
                    Assert.Contains("$.sites[0].source.folder", html);
                    Assert.Contains("skipped: the data of PI-CAI public training is absent.", html);
                }

                // The synthetic archive goes through the same cells: its manifest validates, every site holds patients, FedAvg trains.
                Assert.Contains("FLIP-6: 0 problem(s).", html);
                Assert.Matches(@"\d+ DICOM files and manifest\.json written: \d+ patients at 6 hospitals", html);
                Assert.Matches(@"<td>site-6</td><td>Tamsui Veterans Hospital</td><td>Taiwan</td><td>GE</td><td>[1-9]\d*</td>", html);
                Assert.Matches(@"fedavg: round 2/2 done", html);
                Assert.All(sites, s => Assert.Contains($"<tr><th>{s}</th>", html));
                Assert.True(numbers);
                break;
            default:
                Assert.True(html.Length > 0, $"{notebook} shows nothing");
                break;
        }
    }

    private static FlipCli.Result Cli(string workFolder, string[] args) => FlipCli.Run(workFolder, args);
}
