using Flip.Benchmarks;

namespace Flip.Cli.Tests;

public sealed class BenchCommandTests
{
    [Fact]
    public void Bench_runs_W2_in_a_fresh_process_and_reports_its_figures_as_JSON()
    {
        BenchmarkReport report = BenchReportTests.RunReport("bench", null, "bench", "--workload", "w2-train");

        BenchmarkRecord step = Assert.Single(report.Results, r => r.Workload == "w2-train");
        Assert.Equal("ms/step", step.Unit);
        Assert.False(step.HigherIsBetter);
        Assert.Equal(20, step.Runs); // iterations of the one process
        Assert.Equal(2, step.Threads);
        Assert.Equal(2, report.Machine.TorchThreads);
        Assert.Equal("cpu", report.Machine.Device); // bench's default --device
        Assert.Null(step.Peer);
        Assert.Single(report.Results, r => r.Workload == "w2-train start-up" && r.Unit == "s");
        Assert.True(Assert.Single(report.Results, r => r.Workload == "w2-train peak RSS").Median > 50, "a process that trained a 3D CNN holds more than 50 MB");
    }

    [Fact]
    public void Bench_runs_W2_s_operations_one_by_one_beside_the_PyTorch_peer_doing_the_same()
    {
        // w2-ops: W2's conv3d, batch norm + ReLU and max pooling, forward and backward, with no model or optimizer; the
        // peer (Debian's python3-torch) runs the same calls, so the ratio is libtorch's builds side by side.
        BenchmarkReport report = BenchReportTests.RunReport("bench", null, "bench", "--workload", "w2-ops", "--peer");

        BenchmarkRecord ops = Assert.Single(report.Results, r => r.Workload == "w2-ops");
        Assert.Equal("ms/step", ops.Unit);
        Assert.Equal(20, ops.Runs);
        Assert.True(ops.Median > 0 && ops.PeerMedian > 0, "both sides ran the operations");
        Assert.Equal("pytorch", ops.Peer);
        Assert.InRange(ops.Ratio!.Value, 0.2, 5); // the same kernels on the same machine: within a small factor, whatever the noise
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
        BenchmarkReport report = BenchReportTests.RunReport("bench federated", null, "bench", "federated", "--quick");

        var w3 = report.Results.Where(r => r.Workload == "w3-aggregate W1 set").ToList();
        Assert.Equal([1, 2], w3.Select(r => r.Threads).Order()); // the W1 set with 1 and 2 threads
        Assert.Equal(4, report.Results.Count(r => r.Workload.StartsWith("bandwidth ", StringComparison.Ordinal)));
        Assert.Contains(report.Results, r => r.Workload == "w4-encode W1" && r.Unit == "MB/s" && r.HigherIsBetter);
        Assert.Contains(report.Results, r => r.Workload == "w4-decode W1");
        Assert.Single(report.Results, r => r.Workload == "orchestration 20 sites");
    }
}
