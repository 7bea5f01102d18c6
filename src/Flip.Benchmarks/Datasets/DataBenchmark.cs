using System.Diagnostics;
using Flip.Datasets;
using Flip.Datasets.Preprocessing;

namespace Flip.Benchmarks.Datasets;

/// <summary><c>bench data</c>: patients per second from DICOM on disk to cached samples, cold and warm cache, with peak memory.</summary>
public static class DataBenchmark
{
    /// <summary>Runs one phase over a folder written by <c>flip-research synth</c>, caching in <paramref name="cacheFolder"/>.</summary>
    /// <param name="phase">A name for the row (<c>cold</c> or <c>warm</c>); what happens depends only on the cache's contents.</param>
    /// <param name="dataFolder">The DICOM folder.</param>
    /// <param name="cacheFolder">The cache folder.</param>
    /// <param name="maxParallelism">Patients processed at once.</param>
    /// <param name="progress">Receives progress after each patient.</param>
    /// <returns>The measurement; peak working set is the process's, so run each phase in a fresh process.</returns>
    public static DataBenchmarkResult Run(string phase, string dataFolder, string cacheFolder, int maxParallelism = 2, IProgress<PreprocessingProgress>? progress = null)
    {
        var (patients, identity) = DicomFolderCohort.Load(dataFolder);
        var pipeline = new SamplePipeline(PreprocessingSettings.Default, new SampleCache(cacheFolder), identity, maxParallelism);
        long started = Stopwatch.GetTimestamp();
        PreprocessedSamples samples = pipeline.Build(patients, progress: progress);
        double seconds = Stopwatch.GetElapsedTime(started).TotalSeconds;
        using var self = Process.GetCurrentProcess();
        self.Refresh();
        return new DataBenchmarkResult(phase, patients.Count, seconds, samples.Slices.Count, samples.CacheHits, self.PeakWorkingSet64 / (1024.0 * 1024.0), pipeline.MaxParallelism);
    }
}
