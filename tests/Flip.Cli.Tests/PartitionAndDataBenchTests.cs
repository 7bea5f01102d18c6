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
        CliProcess.Result result = CliProcess.Run("bench", "data", "--scale", "0.001", "--json");

        Assert.True(result.ExitCode == 0, result.All);
        using JsonDocument json = JsonDocument.Parse(result.Output);
        var phases = json.RootElement.GetProperty("Results").EnumerateArray().ToList();
        Assert.Equal(["cold", "warm"], phases.Select(p => p.GetProperty("Phase").GetString()));
        int patients = phases[0].GetProperty("Patients").GetInt32();
        Assert.Equal(48, patients);    // at least 8 per hospital
        Assert.Equal(0, phases[0].GetProperty("CacheHits").GetInt32());
        Assert.Equal(patients, phases[1].GetProperty("CacheHits").GetInt32());
        Assert.Equal(phases[0].GetProperty("Slices").GetInt32(), phases[1].GetProperty("Slices").GetInt32());
        Assert.All(phases, p => Assert.True(p.GetProperty("PeakWorkingSetMegabytes").GetDouble() > 10));
        Assert.True(json.RootElement.GetProperty("CacheBytes").GetInt64() > 0);
    }
}
