namespace Flip.Benchmarks.Learning;

/// <summary>One workload measured in one process.</summary>
/// <param name="Workload">W1-train, W1-inference or W2-train.</param>
/// <param name="Iterations">Measured iterations (after warm-up).</param>
/// <param name="MedianMs">Median iteration time in milliseconds.</param>
/// <param name="MinMs">Fastest iteration.</param>
/// <param name="MaxMs">Slowest iteration.</param>
/// <param name="SamplesPerSecond">Batch size divided by the median time.</param>
/// <param name="StartupToFirstTensorSeconds">Process start to the first tensor operation, in seconds.</param>
/// <param name="PeakRssMegabytes">Peak resident set size of the process (VmHWM), in MB; 0 where unknown.</param>
/// <param name="Threads">libtorch intra-op threads.</param>
public sealed record WorkloadResult(
    string Workload,
    int Iterations,
    double MedianMs,
    double MinMs,
    double MaxMs,
    double SamplesPerSecond,
    double StartupToFirstTensorSeconds,
    double PeakRssMegabytes,
    int Threads);
