using Flip.Benchmarks.Datasets;
using Flip.Datasets;
using Flip.Datasets.Preprocessing;
using Flip.Datasets.Synthetic;

namespace Flip.Benchmarks.Tests.Datasets;

public sealed class DataBenchmarkTests : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("flip-bench-data-").FullName;

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    [Fact]
    public void Samples_read_from_DICOM_match_the_in_memory_cohort_and_the_warm_run_is_all_cache()
    {
        Cohort full = SyntheticCohort.Flip6(new SyntheticCohortOptions { Scale = 0.001, Seed = 9 });
        Cohort cohort = full with { Sites = [.. full.Sites.Take(2).Select(s => s with { Patients = [.. s.Patients.Take(3)] })] };
        string dicom = Path.Combine(_folder, "dicom"), cache = Path.Combine(_folder, "cache");
        SyntheticCohortWriter.Write(cohort, dicom, seed: 9);

        DataBenchmarkResult cold = DataBenchmark.Run("cold", dicom, cache);
        DataBenchmarkResult warm = DataBenchmark.Run("warm", dicom, cache);

        Assert.Equal((6, 0), (cold.Patients, cold.CacheHits));
        Assert.Equal((6, 6), (warm.Patients, warm.CacheHits));
        Assert.Equal(cold.Slices, warm.Slices);
        Assert.True(cold.PeakWorkingSetMegabytes > 0);

        // The same samples as from the in-memory phantoms, up to the DICOM writer's 16-bit quantisation.
        var (patients, identity) = DicomFolderCohort.Load(dicom);
        var fromDisk = new SamplePipeline(cache: new SampleCache(cache), sourceIdentity: identity).Build(patients);
        var inMemory = new SamplePipeline().Build([.. cohort.Sites.SelectMany(s => s.Patients)]).Slices;
        Assert.Equal(6, fromDisk.CacheHits);
        Assert.Equal(inMemory.Count, fromDisk.Slices.Count);
        Assert.Equal(inMemory.Masks, fromDisk.Slices.Masks);
        Assert.Equal(inMemory.Patients.Select(p => p.IsCsPca), fromDisk.Slices.Patients.Select(p => p.IsCsPca));
        double worst = inMemory.Images.Zip(fromDisk.Slices.Images).Max(x => Math.Abs(x.First - x.Second));
        Assert.True(worst < 0.01, $"largest difference {worst}");
        // Keys are pseudonymous: never the hospital's patient id.
        Assert.All(patients, p => Assert.DoesNotContain(p.Identity.PatientId, p.Key, StringComparison.Ordinal));

        // Touching a source file changes its identity: that patient is rebuilt, the others are served.
        string t2 = Directory.GetFiles(Path.Combine(dicom, "site-1"), "*.dcm", SearchOption.AllDirectories)[0];
        File.SetLastWriteTimeUtc(t2, DateTime.UtcNow.AddMinutes(1));
        Assert.Equal(5, DataBenchmark.Run("touched", dicom, cache).CacheHits);
    }
}
