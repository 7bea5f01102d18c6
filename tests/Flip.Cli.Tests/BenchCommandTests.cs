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

public sealed class FederatedBenchTests
{
    [Fact]
    public void Bench_federated_reports_W3_W4_and_orchestration()
    {
        CliProcess.Result result = CliProcess.Run("bench", "federated", "--quick", "--json");

        Assert.True(result.ExitCode == 0, result.All);
        using var json = System.Text.Json.JsonDocument.Parse(result.Output);
        var w3 = json.RootElement.GetProperty("W3").GetProperty("Aggregations").EnumerateArray().ToList();
        Assert.Equal(2, w3.Count); // the W1 set with 1 and 2 threads
        Assert.All(w3, a => Assert.True(a.GetProperty("MaxAbsoluteErrorVsNaive").GetDouble() <= 1e-6));
        Assert.Equal(4, json.RootElement.GetProperty("W3").GetProperty("Bandwidth").GetArrayLength());
        Assert.Equal("W1", json.RootElement.GetProperty("W4")[0].GetProperty("Set").GetString());
        Assert.Equal(20, json.RootElement.GetProperty("Orchestration").GetProperty("Sites").GetInt32());
    }
}
