using System.Globalization;
using System.Text.RegularExpressions;
using Flip.Benchmarks;
using Flip.Datasets.Tests.DicomWeb;

namespace Flip.Cli.Tests;

/// <summary>Every bench verb writes the one report shape (read back with the one reader), and bench compare matches two reports.</summary>
public sealed class BenchReportTests : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("flip-cli-bench-report-").FullName;

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    /// <summary>Runs a bench verb with --json, reads its output with <see cref="BenchmarkReport.Parse"/> and checks what every report has.</summary>
    internal static BenchmarkReport RunReport(string command, IReadOnlyDictionary<string, string>? environment, params string[] args)
    {
        CliProcess.Result result = CliProcess.RunWith(environment ?? new Dictionary<string, string>(), [.. args, "--json"]);
        Assert.True(result.ExitCode == 0, result.All);
        BenchmarkReport report = BenchmarkReport.Parse(result.Output, $"flip-research {string.Join(' ', args)} --json");
        Assert.Equal(command, report.Command);
        Assert.Equal(Environment.ProcessorCount, report.Machine.Cores);
        Assert.False(string.IsNullOrWhiteSpace(report.Machine.Runtime));
        Assert.NotEmpty(report.Results);
        Assert.All(report.Results, r =>
        {
            Assert.True(r.Runs >= 1, r.Workload);
            Assert.True(double.IsFinite(r.Median), r.Workload);
            if (r.Min is { } min && r.Max is { } max)
            {
                Assert.InRange(r.Median, min, max);
            }

            Assert.Equal(r.Peer is null, r.PeerMedian is null);
        });
        return report;
    }

    [Fact]
    public void Bench_secagg_writes_the_report_with_plain_FedAvg_as_its_peer()
    {
        BenchmarkReport report = RunReport("bench secagg", null, "bench", "secagg", "--rounds", "1");

        BenchmarkRecord aggregation = Assert.Single(report.Results, r => r.Workload == "secagg aggregation");
        Assert.Equal("plain FedAvg", aggregation.Peer);
        Assert.Equal("ms", aggregation.Unit);
        Assert.False(aggregation.HigherIsBetter);
        Assert.Equal(aggregation.PeerMedian!.Value / aggregation.Median, aggregation.Ratio!.Value, 9);
        Assert.Null(report.Machine.TorchThreads);
    }

    [Fact]
    public void Bench_load_writes_each_node_count_s_round_times_and_server_memory()
    {
        BenchmarkReport report = RunReport("bench load", null, "bench", "load", "--clients", "1", "2", "--rounds", "2", "--arrays", "2", "--values-per-array", "1000");

        BenchmarkRecord rounds = Assert.Single(report.Results, r => r.Workload == "load 2 nodes round");
        Assert.Equal(2, rounds.Runs);
        Assert.Equal("s", rounds.Unit);
        Assert.Single(report.Results, r => r.Workload == "load 1 node round");
        Assert.True(Assert.Single(report.Results, r => r.Workload == "load 2 nodes server peak RSS").Median > 10, "a .NET server process holds more than 10 MB");
    }

    [Fact]
    public void Bench_dicom_writes_files_per_second_per_shape_with_pydicom_beside_it()
    {
        string data = Path.Combine(_folder, "flip6");
        CliProcess.Result synth = CliProcess.Run("synth", "--out", data, "--scale", "0.001", "--matrix", "32", "--seed", "7");
        Assert.True(synth.ExitCode == 0, synth.All);

        BenchmarkReport report = RunReport("bench dicom", null, "bench", "dicom", data, "--passes", "1", "--peer");

        BenchmarkRecord pixels = Assert.Single(report.Results, r => r.Workload == "dicom with pixel data");
        Assert.Equal("files/s", pixels.Unit);
        Assert.True(pixels.HigherIsBetter);
        Assert.Equal("pydicom", pixels.Peer);
        Assert.Equal(pixels.Median / pixels.PeerMedian!.Value, pixels.Ratio!.Value, 9);
        Assert.Equal(1, pixels.Runs);
        Assert.Contains(report.Results, r => r.Workload.StartsWith("dicom index", StringComparison.Ordinal) && r.Threads == 2);
    }

    [Fact]
    public void Bench_robust_writes_honest_hospitals_scores_and_times_per_strategy_and_condition()
    {
        BenchmarkReport report = RunReport("bench robust", null, "bench", "robust", "--rounds", "1", "--scale", "0.005", "--strategy", "fedavg", "--threads", "1");

        Assert.Equal(1, report.Machine.TorchThreads);
        Assert.Contains(report.Results, r => r.Workload == "robust fedavg clean time" && r.Unit == "s");
        Assert.Contains(report.Results, r => r.Workload == "robust fedavg attacked time");
        Assert.All(report.Results.Where(r => r.Unit is "Dice" or "AUROC"), r => Assert.InRange(r.Median, 0, 1));
    }

    [Fact]
    public void Bench_pacs_writes_instances_per_second_per_pass()
    {
        using var orthanc = new OrthancServer();
        var (user, password) = OrthancServer.CredentialVariables();
        var environment = new Dictionary<string, string> { [user] = OrthancServer.User, [password] = OrthancServer.Password };
        CliProcess.Result synth = CliProcess.RunWith(environment, "synth", "--out", Path.Combine(_folder, "flip6"), "--scale", "0.001", "--matrix", "32", "--seed", "7",
            "--upload", orthanc.DicomWebRoot.ToString(), "--user-env", user, "--password-env", password);
        Assert.True(synth.ExitCode == 0, synth.All);

        BenchmarkReport report = RunReport("bench pacs", environment, "bench", "pacs", "--url", orthanc.DicomWebRoot.ToString(), "--user-env", user, "--password-env", password);

        var rates = report.Results.Where(r => r.Unit == "instances/s").ToList();
        Assert.Equal(3, rates.Count); // cold streamed, warm, cold one instance per request
        Assert.All(rates, r => Assert.True(r.Median > 0 && r.HigherIsBetter, r.Workload));
    }

    [Fact]
    public void Compare_matches_workloads_and_threads_prints_the_change_and_marks_workloads_in_one_report_only()
    {
        string a = Path.Combine(_folder, "a.json"), b = Path.Combine(_folder, "b.json");
        Write(a, "bench", 2, [
            new BenchmarkRecord("w2-train", "ms/step", false, 200, 190, 230, 20, 2, "pytorch", 210),
            new BenchmarkRecord("w1-inference", "ms/step", false, 50, 48, 55, 20, 2),
            new BenchmarkRecord("dicom with pixel data", "files/s", true, 1000, null, null, 5, 1, "pydicom", 500),
        ]);
        Write(b, "bench", 2, [
            new BenchmarkRecord("w2-train", "ms/step", false, 150, 140, 160, 20, 2, "pytorch", 210),
            new BenchmarkRecord("dicom with pixel data", "files/s", true, 900, null, null, 5, 1, "pydicom", 500),
            new BenchmarkRecord("w2-train", "ms/step", false, 100, 90, 110, 20, 4),
        ]);

        CliProcess.Result result = CliProcess.Run("bench", "compare", a, b);

        Assert.True(result.ExitCode == 0, result.All);
        string[] lines = result.Output.Split('\n');
        Assert.Matches(@"w2-train\s+2\s+ms/step\s+200\s+150\s+-25\.0 % better\s+1\.05 → 1\.40", Line(lines, "w2-train", 2));
        Assert.Matches(@"w1-inference\s+2\s+ms/step\s+50\.00\s+–\s+only in A", Line(lines, "w1-inference", 2));
        Assert.Matches(@"dicom with pixel data\s+1\s+files/s\s+1000\s+900\s+-10\.0 % worse\s+2\.00 → 1\.80", Line(lines, "dicom with pixel data", 1));
        Assert.Matches(@"w2-train\s+4\s+ms/step\s+–\s+100\s+only in B", Line(lines, "w2-train", 4));
    }

    [Fact]
    public void Compare_names_the_file_and_the_JSON_path_of_a_malformed_value_and_exits_with_bad_input()
    {
        string a = Path.Combine(_folder, "a.json"), b = Path.Combine(_folder, "b.json");
        Write(a, "bench", 2, [new BenchmarkRecord("w2-train", "ms/step", false, 200, 190, 230, 20, 2)]);
        File.WriteAllText(b, File.ReadAllText(a).Replace("\"median\": 200", "\"median\": \"fast\"", StringComparison.Ordinal));

        CliProcess.Result result = CliProcess.Run("bench", "compare", a, b);

        Assert.Equal(3, result.ExitCode);
        Assert.Contains($"{b}: $.results[0].median: expected a number, found the string \"fast\".", result.All, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", result.All, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("{\"schema\": \"flip-bench\", \"version\": 1", "not JSON at line 1")]
    [InlineData("[]", "$: expected an object, found an array.")]
    [InlineData("{\"schema\": \"other\", \"version\": 1}", "$.schema: expected \"flip-bench\", found \"other\".")]
    [InlineData("{\"schema\": \"flip-bench\", \"version\": 2}", "$.version: expected 1 (this build's version), found 2.")]
    [InlineData("{\"schema\": \"flip-bench\", \"version\": 1, \"machine\": {}}", "$.results: missing;")]
    [InlineData("{\"schema\": \"flip-bench\", \"version\": 1, \"machine\": {}, \"results\": [{\"workload\": \"w\", \"threads\": 1.5}]}", "$.results[0].threads: expected a whole number, found 1.5.")]
    [InlineData("{\"schema\": \"flip-bench\", \"version\": 1, \"machine\": {}, \"results\": [{\"workload\": \"w\", \"threads\": 1, \"unit\": \"s\"}]}", "$.results[0].higher-is-better: missing;")]
    public void The_reader_names_the_source_and_the_JSON_path_of_what_is_wrong(string json, string says)
    {
        var error = Assert.Throws<FlipException>(() => BenchmarkReport.Parse(json, "r.json"));

        Assert.Equal(ExitCodes.BadInput, error.ExitCode);
        Assert.StartsWith("r.json: ", error.Message, StringComparison.Ordinal);
        Assert.Contains(says, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void The_reader_refuses_a_second_record_of_the_same_workload_and_threads()
    {
        string json = BenchmarkReport.Create("bench", 2, [new BenchmarkRecord("w2-train", "ms/step", false, 1, 1, 1, 1, 2), new BenchmarkRecord("w2-train", "ms/step", false, 2, 2, 2, 1, 2)]).ToJson();

        var error = Assert.Throws<FlipException>(() => BenchmarkReport.Parse(json, "r.json"));

        Assert.Contains("$.results[1].workload: expected one record per workload and thread count", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void What_the_writer_writes_the_reader_reads_back_unchanged()
    {
        var written = BenchmarkReport.Create("bench federated", null, [
            new BenchmarkRecord("w3-aggregate W1 set", "ms", false, 1.25, 1.0, 2.5, 50, 2, "numpy 1.24.2 (Flower's aggregate)", 3.5),
            new BenchmarkRecord("orchestration 20 sites", "µs/site-round", false, 12.5, null, null, 10, 0),
        ]);

        BenchmarkReport read = BenchmarkReport.Parse(written.ToJson(), "r.json");

        Assert.Equal(written.Command, read.Command);
        Assert.Equal(written.Machine, read.Machine);
        Assert.Equal(written.Created, read.Created);
        Assert.Equal(written.Results, read.Results);
        Assert.Equal(2.8, read.Results[0].Ratio!.Value, 9);
        Assert.Null(read.Results[1].Ratio);
    }

    private static void Write(string path, string command, int threads, IEnumerable<BenchmarkRecord> records)
    {
        using var writer = new StreamWriter(path);
        BenchmarkReport.Create(command, threads, records).Write(writer);
    }

    private static string Line(string[] lines, string workload, int threads) =>
        Assert.Single(lines, l => Regex.IsMatch(l, $@"^\s*{Regex.Escape(workload)}\s+{threads.ToString(CultureInfo.InvariantCulture)}\s"));
}
