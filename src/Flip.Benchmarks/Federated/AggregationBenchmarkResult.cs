namespace Flip.Benchmarks.Federated;

/// <summary>The figures of a W3 run: aggregations, bandwidth probes, and the machine facts they depend on.</summary>
/// <param name="Aggregations">One row per set and thread count.</param>
/// <param name="Bandwidth">One row per probe and thread count.</param>
/// <param name="VectorBits">The width of <c>System.Numerics.Vector&lt;float&gt;</c> in bits.</param>
/// <param name="ProcessorCount">The logical processors the process sees.</param>
/// <param name="LoadAverage">The machine's 1-minute load average when the run ended (Linux), or <see langword="null"/>: above the processor count, other work shared the cores and the figures are pessimistic.</param>
public sealed record AggregationBenchmarkResult(IReadOnlyList<AggregationMeasurement> Aggregations, IReadOnlyList<BandwidthMeasurement> Bandwidth, int VectorBits, int ProcessorCount, double? LoadAverage)
{
    /// <summary>An aggregation's read bandwidth as a fraction of the read-sum probe's with the same threads (the goal: ≥ 0.8 on the 25M set).</summary>
    /// <param name="aggregation">A row of <see cref="Aggregations"/>.</param>
    /// <returns>The fraction, or NaN when that probe was not run.</returns>
    public double FractionOfReadBandwidth(AggregationMeasurement aggregation)
    {
        ArgumentNullException.ThrowIfNull(aggregation);
        var probe = Bandwidth.FirstOrDefault(b => b.Probe == AggregationBenchmark.ReadSumProbe && b.Threads == aggregation.Threads);
        return probe is null ? double.NaN : aggregation.ReadGigabytesPerSecond / probe.MedianGigabytesPerSecond;
    }
}
