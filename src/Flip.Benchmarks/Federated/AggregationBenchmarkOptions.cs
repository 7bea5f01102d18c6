namespace Flip.Benchmarks.Federated;

/// <summary>What <see cref="AggregationBenchmark"/> measures (BENCHMARKS.md W3).</summary>
public sealed record AggregationBenchmarkOptions
{
    /// <summary>The thread counts to measure the kernel and the bandwidth probes with.</summary>
    /// <value>1 and 2.</value>
    public IReadOnlyList<int> ThreadCounts { get; init; } = [1, 2];

    /// <summary>Whether to measure the W1 set (78 arrays, 484,162 values per client).</summary>
    /// <value><see langword="true"/>.</value>
    public bool IncludeW1Set { get; init; } = true;

    /// <summary>Whether to measure the 25M set (25 arrays of [1000, 1000] per client, 600 MB for six clients).</summary>
    /// <value><see langword="true"/>.</value>
    public bool Include25MSet { get; init; } = true;

    /// <summary>The size of the bandwidth probes' array; 0 skips the probes.</summary>
    /// <value>400,000,000 bytes (W3).</value>
    public long BandwidthProbeBytes { get; init; } = 400_000_000;

    /// <summary>The least warm-up time before measuring (so tiered JIT reaches optimised code).</summary>
    /// <value>1 second (W3).</value>
    public TimeSpan MinimumWarmUp { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>Measured calls on the W1 set.</summary>
    /// <value>50 (W3).</value>
    public int W1MeasuredCalls { get; init; } = 50;

    /// <summary>Measured calls on the 25M set.</summary>
    /// <value>7 (W3).</value>
    public int Set25MMeasuredCalls { get; init; } = 7;

    /// <summary>The seed of the synthetic client values.</summary>
    /// <value>0.</value>
    public int Seed { get; init; }
}
