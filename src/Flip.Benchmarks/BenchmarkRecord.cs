namespace Flip.Benchmarks;

/// <summary>One measured figure of a benchmark: a workload's median and range over its runs, and the same figure of a peer when one ran beside it.</summary>
/// <param name="Workload">What was measured, unique within a report together with <paramref name="Threads"/>, e.g. <c>w2-train</c> or <c>w3-aggregate W1 set</c>.</param>
/// <param name="Unit">The unit of <paramref name="Median"/>, <paramref name="Min"/>, <paramref name="Max"/> and <paramref name="PeerMedian"/>, e.g. <c>ms</c>, <c>samples/s</c>, <c>MB</c>.</param>
/// <param name="HigherIsBetter">Whether a larger value is an improvement (a rate) or a smaller one (a time, a memory size).</param>
/// <param name="Median">The median over the runs.</param>
/// <param name="Min">The smallest value seen, or <see langword="null"/> where the benchmark keeps only its median.</param>
/// <param name="Max">The largest value seen, or <see langword="null"/> where the benchmark keeps only its median.</param>
/// <param name="Runs">How many values the median is taken over (iterations, passes, processes or rounds).</param>
/// <param name="Threads">Threads the workload ran on; 0 where the benchmark does not pin them (the runtime's default on this machine).</param>
/// <param name="Peer">The peer's name (e.g. <c>pytorch</c>, <c>pydicom</c>, <c>numpy</c>), or <see langword="null"/> when no peer ran.</param>
/// <param name="PeerMedian">The peer's median in the same unit, or <see langword="null"/>.</param>
public sealed record BenchmarkRecord(
    string Workload,
    string Unit,
    bool HigherIsBetter,
    double Median,
    double? Min,
    double? Max,
    int Runs,
    int Threads,
    string? Peer = null,
    double? PeerMedian = null)
{
    /// <summary>
    /// How many times better than the peer this figure is: median ÷ peer median for a rate, peer median ÷ median for a time or a size;
    /// above 1 is ahead of the peer. <see langword="null"/> without a peer.
    /// </summary>
    public double? Ratio => PeerMedian is not { } peer || peer <= 0 || Median <= 0 ? null : HigherIsBetter ? Median / peer : peer / Median;

    /// <summary>A record from a list of values (one per run): their median, smallest and largest.</summary>
    /// <param name="workload">What was measured.</param>
    /// <param name="unit">The values' unit.</param>
    /// <param name="higherIsBetter">Whether a larger value is an improvement.</param>
    /// <param name="values">One value per run; at least one.</param>
    /// <param name="threads">Threads the workload ran on.</param>
    /// <returns>The record, without a peer.</returns>
    public static BenchmarkRecord FromRuns(string workload, string unit, bool higherIsBetter, IEnumerable<double> values, int threads)
    {
        ArgumentNullException.ThrowIfNull(values);
        double[] sorted = [.. values.Order()];
        if (sorted.Length == 0)
        {
            throw new ArgumentException($"{workload}: no values to summarise.", nameof(values));
        }

        return new BenchmarkRecord(workload, unit, higherIsBetter, MedianOf(sorted), sorted[0], sorted[^1], sorted.Length, threads);
    }

    /// <summary>The median of values in ascending order: the middle one, or the mean of the two middle ones.</summary>
    /// <param name="sorted">Values in ascending order; at least one.</param>
    /// <returns>The median.</returns>
    public static double MedianOf(IReadOnlyList<double> sorted)
    {
        ArgumentNullException.ThrowIfNull(sorted);
        int n = sorted.Count;
        return n % 2 == 1 ? sorted[n / 2] : (sorted[(n / 2) - 1] + sorted[n / 2]) / 2;
    }
}
