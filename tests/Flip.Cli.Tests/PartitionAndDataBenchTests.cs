using System.Text.Json;

namespace Flip.Cli.Tests;

public sealed class PartitionAndDataBenchTests : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("flip-cli-partition-").FullName;

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    [Fact]
    public void Simulate_with_a_label_skew_partition_prints_the_class_table_and_records_it()
    {
        string run = Path.Combine(_folder, "run");

        CliProcess.Result result = CliProcess.Run("simulate", "--partition", "dirichlet:0.5", "--strategy", "fedavg", "--rounds", "1",
            "--scale", "0.005", "--device", "cpu", "--out", run);

        Assert.True(result.ExitCode == 0, result.All);
        Assert.Contains("Partition dirichlet:0.5: patients per site", result.Output);
        Assert.Contains("label skew", result.Output);
        foreach (string site in new[] { "part-1", "part-6" })
        {
            Assert.Contains(site, result.Output);
        }

        Assert.DoesNotContain("site-1", File.ReadAllText(Path.Combine(run, "comparison.csv")));
        using JsonDocument settings = JsonDocument.Parse(File.ReadAllText(Path.Combine(run, "simulate.json")));
        Assert.Equal("dirichlet:0.5", settings.RootElement.GetProperty("partition").GetString());
    }

    [Theory]
    [InlineData("dirichlet:zero", "not a usable α")]
    [InlineData("hospital", "expected one of natural")]
    [InlineData("loso:site-2", "use --leave-one-out")]
    public void Simulate_refuses_a_bad_partition_with_exit_code_2(string partition, string says)
    {
        CliProcess.Result result = CliProcess.Run("simulate", "--partition", partition, "--out", Path.Combine(_folder, "never"));

        Assert.Equal(2, result.ExitCode);
        Assert.Contains(says, result.All);
        Assert.False(Directory.Exists(Path.Combine(_folder, "never")));
    }

    [Fact]
    public void Bench_data_measures_cold_and_warm_cache_in_fresh_processes()
    {
        Flip.Benchmarks.BenchmarkReport report = BenchReportTests.RunReport("bench data", null, "bench", "data", "--scale", "0.001");

        var cold = Assert.Single(report.Results, r => r.Workload == "data cold cache");
        var warm = Assert.Single(report.Results, r => r.Workload == "data warm cache");
        Assert.Equal("patients/s", cold.Unit);
        Assert.True(cold.Median > 0 && warm.Median > 0);
        Assert.All(report.Results.Where(r => r.Workload.EndsWith("peak working set", StringComparison.Ordinal)), r => Assert.True(r.Median > 10, r.Workload));
        Assert.Equal(2, report.Results.Count(r => r.Workload.EndsWith("peak working set", StringComparison.Ordinal)));
        Assert.True(Assert.Single(report.Results, r => r.Workload == "data cache size").Median > 0);
    }
}
