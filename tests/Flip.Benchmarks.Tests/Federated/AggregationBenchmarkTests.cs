using Flip.Benchmarks.Federated;
using Flip.Federated;

namespace Flip.Benchmarks.Tests.Federated;

public sealed class AggregationBenchmarkTests
{
    [Fact]
    public void W1Layout_is_the_78_float32_arrays_of_the_W1_state_dict()
    {
        var layout = AggregationBenchmark.W1Layout();

        // BENCHMARKS.md W1: 482,754 parameters + 1,408 running mean/var values = 484,162 float32 values.
        Assert.Equal(78, layout.Count);
        Assert.Equal(484_162, layout.Sum(s => s.Length));
        Assert.Equal(1_936_648, layout.Sum(s => s.Length) * 4);
        Assert.Equal(482_754, layout.Where(s => !s.Name.Contains("running_", StringComparison.Ordinal)).Sum(s => s.Length));
        Assert.Equal(["enc1.conv1.weight", "enc1.bn1.weight", "enc1.bn1.bias", "enc1.bn1.running_mean", "enc1.bn1.running_var", "enc1.conv2.weight"], layout.Take(6).Select(s => s.Name));
        Assert.Equal("up3.weight float32 [128,64,2,2]", layout.Single(s => s.Name == "up3.weight").ToString());
        Assert.Equal(["head.weight", "head.bias"], layout.TakeLast(2).Select(s => s.Name));
    }

    [Fact]
    public void W1StateDictLayout_adds_the_14_num_batches_tracked_scalars_in_PyTorch_order()
    {
        var layout = AggregationBenchmark.W1StateDictLayout();

        Assert.Equal(92, layout.Count);
        Assert.Equal(14, layout.Count(s => s.DataType == ParameterDataType.Int64 && s.Shape.IsEmpty && s.Name.EndsWith(".num_batches_tracked", StringComparison.Ordinal)));
        Assert.Equal("enc1.bn1.num_batches_tracked", layout[5].Name);
        Assert.Equal("enc1.conv2.weight", layout[6].Name);
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    public void The_kernel_agrees_with_a_naive_loop_on_the_W1_set(int threads)
        => Assert.True(AggregationBenchmark.MaxErrorVsNaive(AggregationBenchmark.W1Layout(), threads) <= 1e-6);

    [Fact]
    public void Run_returns_a_row_per_set_and_thread_count_and_per_probe()
    {
        // A small configuration: the W1 set only, a 4 MB probe, no minimum warm-up time.
        var options = new AggregationBenchmarkOptions
        {
            Include25MSet = false,
            BandwidthProbeBytes = 4_000_000,
            MinimumWarmUp = TimeSpan.Zero,
            W1MeasuredCalls = 3,
        };

        var result = AggregationBenchmark.Run(options);

        Assert.Equal([(AggregationBenchmark.W1SetName, 1), (AggregationBenchmark.W1SetName, 2)], result.Aggregations.Select(a => (a.Workload, a.Threads)));
        Assert.All(result.Aggregations, a => Assert.True(a.MaxAbsoluteErrorVsNaive <= 1e-6 && a.Preallocated && a.MeasuredCalls == 3));
        Assert.Equal(["copy/1", "read-sum/1", "copy/2", "read-sum/2"], result.Bandwidth.Select(b => $"{b.Probe}/{b.Threads}"));
        Assert.False(double.IsNaN(result.FractionOfReadBandwidth(result.Aggregations[0])));
    }
}
