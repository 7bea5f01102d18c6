using Flip.Benchmarks.Flower;

namespace Flip.Benchmarks.Tests.Flower;

public sealed class NpyBenchmarkTests
{
    [Fact]
    public void W1_set_has_the_78_float32_arrays_of_the_unet_state_dict()
    {
        IReadOnlyList<int[]> shapes = NpyBenchmark.W1Shapes();

        long values = shapes.Sum(s => s.Aggregate(1L, (a, d) => a * d));

        Assert.Equal(78, shapes.Count);
        Assert.Equal(484_162, values);
        Assert.Equal([16, 3, 3, 3], shapes[0]);
        Assert.Equal([128, 64, 2, 2], shapes[40]);
        Assert.Equal([2], shapes[^1]);
    }

    [Fact]
    public void A_run_reports_payload_and_npy_bytes_of_the_w1_set()
    {
        // Counts only: speed is never asserted in tests (BENCHMARKS.md).
        IReadOnlyList<NpyBenchmarkResult> results = NpyBenchmark.Run(new NpyBenchmarkOptions
        {
            W1MeasuredCalls = 3, W1WarmupCalls = 1, MinimumWarmup = TimeSpan.Zero, Include25M = false,
        });

        NpyBenchmarkResult w1 = Assert.Single(results);
        Assert.Equal("W1", w1.Set);
        Assert.Equal(78, w1.Arrays);
        Assert.Equal(1_936_648, w1.PayloadBytes);
        Assert.Equal(1_946_632, w1.NpyBytes);
        Assert.Equal(3, w1.MeasuredCalls);
        Assert.True(w1.EncodeMin <= w1.EncodeMedian && w1.EncodeMedian <= w1.EncodeMax);
        Assert.True(w1.DecodeMin <= w1.DecodeMedian && w1.DecodeMedian <= w1.DecodeMax);
    }

    [Fact]
    public void The_25M_set_is_25_arrays_of_a_million_values()
    {
        IReadOnlyList<int[]> shapes = NpyBenchmark.Shapes25M();

        Assert.Equal(25, shapes.Count);
        Assert.All(shapes, s => Assert.Equal([1000, 1000], s));
    }
}
