namespace Flip.Benchmarks.Datasets;

/// <summary>One phase of the data benchmark: DICOM on disk to cached samples.</summary>
/// <param name="Phase"><c>cold</c> (empty cache: read DICOM, preprocess, write the cache) or <c>warm</c> (every patient from the cache).</param>
/// <param name="Patients">Patients processed.</param>
/// <param name="Seconds">Wall-clock time of the phase.</param>
/// <param name="Slices">Samples (2D slices) produced.</param>
/// <param name="CacheHits">Patients served from the cache.</param>
/// <param name="PeakWorkingSetMegabytes">The process's peak working set (a fresh process per phase).</param>
/// <param name="Parallelism">Patients processed at once.</param>
public sealed record DataBenchmarkResult(string Phase, int Patients, double Seconds, int Slices, int CacheHits, double PeakWorkingSetMegabytes, int Parallelism)
{
    /// <summary>Patients per second.</summary>
    public double PatientsPerSecond => Seconds > 0 ? Patients / Seconds : 0;
}
