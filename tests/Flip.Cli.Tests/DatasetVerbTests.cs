using System.Text.Json;
using System.Text.RegularExpressions;
using Flip.Datasets;
using Flip.Datasets.Synthetic;

namespace Flip.Cli.Tests;

public sealed class DatasetVerbTests : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("flip-cli-dataset-").FullName;

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    private static string Templates([System.Runtime.CompilerServices.CallerFilePath] string file = "")
        => Path.GetFullPath(Path.Combine(Path.GetDirectoryName(file)!, "..", "..", "datasets-manifests"));

    [Fact]
    public void Synth_writes_a_manifest_that_show_index_and_simulate_read_with_the_embedded_cohorts_patient_counts()
    {
        string data = Path.Combine(_folder, "flip6");
        CliProcess.Result synth = CliProcess.Run("synth", "--out", data, "--scale", "0.001", "--matrix", "32", "--seed", "5");
        Assert.True(synth.ExitCode == 0, synth.All);
        string manifest = Path.Combine(data, "manifest.json");
        Cohort embedded = SyntheticCohort.Flip6(new SyntheticCohortOptions { Scale = 0.001, Seed = 5 });

        CliProcess.Result validate = CliProcess.Run("dataset", "validate", manifest);
        Assert.True(validate.ExitCode == 0, validate.All);
        Assert.Contains("valid", validate.Output);
        Assert.Contains("6 site(s), channels T2W, ADC, DWI, PET (optional)", validate.Output);

        CliProcess.Result show = CliProcess.Run("dataset", "show", manifest);
        Assert.True(show.ExitCode == 0, show.All);
        foreach (CohortSite site in embedded.Sites)
        {
            string prevalence = site.CsPcaPrevalence.ToString("P0", System.Globalization.CultureInfo.InvariantCulture);
            Assert.Matches(new Regex($@"{site.Id}\s+{Regex.Escape(site.DisplayName)}\s+{site.Country}\s+{site.Vendor}\s+{site.FieldStrengthTesla:0.0}\s+{site.Patients.Count}\s+{Regex.Escape(prevalence)}\s+T2W {site.Patients.Count}, ADC {site.Patients.Count}, DWI {site.Patients.Count}, PET {(site.HasPet ? site.Patients.Count : 0)}"), show.Output);
        }

        CliProcess.Result index = CliProcess.Run("dataset", "index", manifest, "--cache", Path.Combine(_folder, "cache"));
        Assert.True(index.ExitCode == 0, index.All);
        Assert.Equal(6, Regex.Matches(index.Output, "written").Count);
        CliProcess.Result again = CliProcess.Run("dataset", "index", manifest, "--cache", Path.Combine(_folder, "cache"));
        Assert.Equal(6, Regex.Matches(again.Output, @"reused \(unchanged\)").Count);

        string run = Path.Combine(_folder, "run");
        string samples = Path.Combine(_folder, "samples");
        CliProcess.Result simulate = CliProcess.Run("simulate", "--manifest", manifest, "--strategy", "local-only", "--rounds", "1", "--device", "cpu", "--out", run, "--cache", samples);
        Assert.True(simulate.ExitCode == 0, simulate.All);
        Assert.Contains($"FLIP-6 cohort of {manifest}: {embedded.PatientCount} patients at 6 hospitals", simulate.Output);
        // --cache: every patient of the manifest's train/test splits preprocessed once and stored (a warm run is tested in-process).
        Assert.Contains($"0 hit(s), {embedded.PatientCount} miss(es)", simulate.Output);
        Assert.Equal(embedded.PatientCount, Directory.GetFiles(samples, "*.samples", SearchOption.AllDirectories).Length);
        using JsonDocument sites = JsonDocument.Parse(File.ReadAllText(Path.Combine(run, "local-only", "sites.json")));
        Assert.Equal(embedded.Sites.Select(s => (s.Id, s.Patients.Count)),
            sites.RootElement.EnumerateArray().Select(s => (s.GetProperty("id").GetString()!, s.GetProperty("patients").GetInt32())));

        // Nothing in the run folder names a patient: hospital ids from labels.csv never leave the site.
        string[] patientIds = [.. File.ReadLines(Path.Combine(data, "labels.csv")).Skip(1).Select(l => l.Split(',')[1])];
        foreach (string file in Directory.EnumerateFiles(run, "*", SearchOption.AllDirectories).Where(f => f.EndsWith(".csv") || f.EndsWith(".json") || f.EndsWith(".log")))
        {
            string text = File.ReadAllText(file);
            Assert.All(patientIds, id => Assert.DoesNotContain(id, text, StringComparison.Ordinal));
        }
    }

    [Fact]
    public void Validate_lists_every_problem_with_line_and_path_and_exits_with_bad_input()
    {
        string manifest = Path.Combine(_folder, "bad.json");
        File.WriteAllText(manifest, """
            {
              "verison": 1,
              "cohort": { "name": "x", "description": "y" },
              "channels": [ { "name": "T2W", "modality": "MR" } ],
              "labels": { },
              "sites": [ { "id": "a", "displayName": "A", "source": { "dicomweb": { "url": "https://pacs.example.org", "auth": { "scheme": "bearer", "secretEnv": "T", "token": "s3cr3t" } } } } ]
            }
            """);

        CliProcess.Result result = CliProcess.Run("dataset", "validate", manifest);

        Assert.Equal(3, result.ExitCode);
        Assert.Contains("error: bad.json:1 $: property \"version\" is missing; expected \"version\": 1. Add it as the first property.", result.Output);
        Assert.Contains("error: bad.json:2 $.verison: unknown property \"verison\"; did you mean \"version\"? Rename it to \"version\".", result.Output);
        Assert.Contains("error: bad.json:6 $.sites[0].source.dicomweb.auth.token: \"token\" would hold a secret in the file;", result.Output);
        Assert.Contains("3 problems in " + manifest, result.Output);
        Assert.DoesNotContain("s3cr3t", result.All);

        CliProcess.Result show = CliProcess.Run("dataset", "show", manifest);
        Assert.Equal(3, show.ExitCode);
        Assert.Contains($"error: manifest '{manifest}' has 3 problems:", show.Output);
    }

    [Fact]
    public void A_template_with_its_data_absent_validates_as_a_file_and_says_where_to_get_the_data()
    {
        string template = Path.Combine(Templates(), "prostatex.json");

        CliProcess.Result structure = CliProcess.Run("dataset", "validate", template, "--no-data");
        CliProcess.Result data = CliProcess.Run("dataset", "validate", template);
        CliProcess.Result show = CliProcess.Run("dataset", "show", template);

        Assert.True(structure.ExitCode == 0, structure.All);
        Assert.Equal(3, data.ExitCode);
        Assert.Contains("prostatex.json:25 $.sites[0].source.folder: the site's folder", data.Output);
        Assert.Contains("Get the data from https://www.cancerimagingarchive.net/collection/prostatex/", data.Output);
        Assert.True(show.ExitCode == 0, show.All);
        Assert.Contains("data absent", show.Output);
    }
}
