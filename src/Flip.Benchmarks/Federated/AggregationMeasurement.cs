namespace Flip.Benchmarks.Federated;

/// <summary>One measured aggregation configuration of W3.</summary>
/// <param name="Workload">"W1 set" or "25M set".</param>
/// <param name="Threads">Threads the kernel used.</param>
/// <param name="MeasuredCalls">Calls measured after warm-up.</param>
/// <param name="MedianMilliseconds">Median time per aggregation.</param>
/// <param name="MinMilliseconds">Fastest aggregation.</param>
/// <param name="MaxMilliseconds">Slowest aggregation.</param>
/// <param name="ReadGigabytesPerSecond">Effective read bandwidth K · bytes per set / median time, 10⁹ B/s.</param>
/// <param name="Preallocated">Whether output buffers were allocated once before timing (always, here).</param>
/// <param name="MaxAbsoluteErrorVsNaive">The largest |kernel − naive double loop| over all values of the last call.</param>
public sealed record AggregationMeasurement(
    string Workload,
    int Threads,
    int MeasuredCalls,
    double MedianMilliseconds,
    double MinMilliseconds,
    double MaxMilliseconds,
    double ReadGigabytesPerSecond,
    bool Preallocated,
    double MaxAbsoluteErrorVsNaive);
