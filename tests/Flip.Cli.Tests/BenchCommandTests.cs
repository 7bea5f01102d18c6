using System.Text.Json;

namespace Flip.Cli.Tests;

public sealed class BenchCommandTests
{
    [Fact]
    public void Bench_runs_W2_in_a_fresh_process_and_reports_its_figures_as_JSON()
    {
        CliProcess.Result result = CliProcess.Run("bench", "--workload", "w2-train", "--json");

        Assert.Equal(0, result.ExitCode);
        using JsonDocument json = JsonDocument.Parse(result.Output);
        JsonElement run = Assert.Single(json.RootElement.EnumerateArray());
        Assert.Equal("w2-train", run.GetProperty("Workload").GetString());
        Assert.Equal(20, run.GetProperty("Iterations").GetInt32());
        double median = run.GetProperty("MedianMs").GetDouble();
        Assert.InRange(median, run.GetProperty("MinMs").GetDouble(), run.GetProperty("MaxMs").GetDouble());
        Assert.Equal(4 / (median / 1000), run.GetProperty("SamplesPerSecond").GetDouble(), 6);
        Assert.True(run.GetProperty("PeakRssMegabytes").GetDouble() > 50, "a process that trained a 3D CNN holds more than 50 MB");
        Assert.Equal(2, run.GetProperty("Threads").GetInt32());
    }

    [Fact]
    public void Bench_refuses_an_unknown_workload_with_exit_code_2()
    {
        CliProcess.Result result = CliProcess.Run("bench", "--workload", "w9");

        Assert.Equal(2, result.ExitCode);
        Assert.Contains("w9", result.All);
    }
}
