using Flip.Datasets.DicomWeb;

namespace Flip.Benchmarks.Datasets;

/// <summary>One pass of <see cref="DicomWebBenchmark"/>.</summary>
/// <param name="Pass">What was measured.</param>
/// <param name="Result">Instances fetched and found in the cache, bytes written.</param>
/// <param name="Elapsed">Wall time of the pass, QIDO-RS listing included.</param>
public sealed record DicomWebBenchmarkRow(string Pass, DicomWebFetchResult Result, TimeSpan Elapsed)
{
    /// <summary>Instances (fetched or found in the cache) per second.</summary>
    public double InstancesPerSecond => (Result.Fetched + Result.Skipped) / Elapsed.TotalSeconds;

    /// <summary>Megabytes (10⁶ bytes) fetched per second.</summary>
    public double MegabytesPerSecond => Result.Bytes / 1e6 / Elapsed.TotalSeconds;
}
