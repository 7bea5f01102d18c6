namespace Flip.Reporting.Tests;

public sealed class RunRecordTests : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("flip-run-").FullName;

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    [Fact]
    public void Load_reads_every_file_of_a_run_folder_and_names_the_run_from_run_json()
    {
        string folder = SampleRuns.WriteFolder(_folder, "FedProx", strategy: 2);

        var run = RunRecord.Load(folder);

        Assert.Equal("FedProx", run.Name);
        Assert.Equal(SampleRuns.Metrics(2).Rows, run.Metrics.Rows);
        Assert.Equal(SampleRuns.Sites, run.Sites);
        Assert.Equal(SampleRuns.Scores(2), run.Scores);
        Assert.Equal(["name", "strategy", "rounds", "seed", "sites", "privacy"], run.Configuration.Entries.Select(e => e.Key));
        Assert.Equal("{\"name\":\"FedProx\",\"mu\":0.01}", run.Configuration["strategy"]);
        Assert.Equal("4", run.Configuration["rounds"]);
        Assert.Null(run.Configuration["missing"]);
    }

    [Fact]
    public void Load_names_the_run_after_its_folder_without_a_name_and_reads_optional_files_only_when_present()
    {
        string folder = Path.Combine(_folder, "run-0007");
        Directory.CreateDirectory(folder);
        File.WriteAllText(Path.Combine(folder, "run.json"), "{ \"rounds\": 2 }");
        File.WriteAllText(Path.Combine(folder, "metrics.csv"), "round,site,split,metric,value\n1,site-1,test,auroc,0.5\n");

        var run = RunRecord.Load(folder);

        Assert.Equal("run-0007", run.Name);
        Assert.Empty(run.Sites);
        Assert.Empty(run.Scores);
    }

    [Fact]
    public void Load_names_the_line_of_invalid_json_in_run_json()
    {
        string folder = Path.Combine(_folder, "broken");
        Directory.CreateDirectory(folder);
        File.WriteAllText(Path.Combine(folder, "run.json"), "{\n  \"rounds\": 2,\n  \"seed\" 7\n}");

        var e = Assert.Throws<ReportInputException>(() => RunRecord.Load(folder));

        Assert.StartsWith(Path.Combine(folder, "run.json") + ":3 $: text that is not JSON (", e.Message);
        Assert.EndsWith("; expected a JSON object.", e.Message);
    }

    [Fact]
    public void Load_rejects_run_json_that_is_not_an_object()
    {
        string path = Path.Combine(_folder, "run.json");
        File.WriteAllText(path, "[1, 2]");

        var e = Assert.Throws<ReportInputException>(() => RunConfiguration.Load(path));

        Assert.Equal($"{path}:1 $: a JSON array; expected a JSON object.", e.Message);
    }

    [Fact]
    public void LoadScores_reports_label_and_score_problems_by_line_and_column()
    {
        string path = Path.Combine(_folder, "predictions.csv");
        File.WriteAllText(path, "site,patient,label,score\nsite-1,a,1,0.5\nsite-1,b,2,0.5\nsite-1,c,0,high\n");

        var e = Assert.Throws<ReportInputException>(() => RunRecord.LoadScores(path));

        Assert.Equal(
        [
            $"{path}:3 column 3 (label): '2'; expected 0 (no csPCa) or 1 (csPCa).",
            $"{path}:4 column 4 (score): 'high'; expected an invariant-culture number such as 0.42.",
        ], e.Problems);
    }

    [Fact]
    public void SiteInfo_LoadAll_rejects_a_prevalence_outside_zero_to_one_by_json_path()
    {
        string path = Path.Combine(_folder, "sites.json");
        File.WriteAllText(path, """[{ "id": "site-1", "displayName": "A", "country": "NL", "vendor": "GE", "fieldStrengthTesla": 3, "patients": 10, "csPcaPrevalence": 32 }]""");

        var e = Assert.Throws<ReportInputException>(() => SiteInfo.LoadAll(path));

        Assert.Equal($"{path} $[0].csPcaPrevalence: 32; expected a fraction from 0 to 1.", e.Message);
    }

    [Fact]
    public void SiteInfo_LoadAll_rejects_an_unknown_property()
    {
        string path = Path.Combine(_folder, "sites.json");
        File.WriteAllText(path, "[\n{ \"id\": \"site-1\", \"patients\": 10, \"prevalence\": 0.3 }]");

        var e = Assert.Throws<ReportInputException>(() => SiteInfo.LoadAll(path));

        Assert.StartsWith($"{path}:2 $[0].prevalence: ", e.Message);
    }
}
