using Flip.Datasets.Preprocessing;
using Flip.Datasets.Samples;
using Flip.Datasets.Synthetic;

namespace Flip.Datasets.Tests.Preprocessing;

public sealed class SamplePipelineTests : IDisposable
{
    private static readonly IReadOnlyList<Patient> Patients =
        SyntheticCohort.Flip6(new SyntheticCohortOptions { Scale = 0.02, Seed = 3 }).Site("site-4").Patients;

    private readonly string _folder = Directory.CreateTempSubdirectory("flip-samples-").FullName;

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    private static string Synthetic(Patient p) => "synthetic:flip6:seed=3:scale=0.02";

    private static void AssertSame(SliceSet expected, SliceSet actual)
    {
        Assert.Equal(expected.Count, actual.Count);
        Assert.Equal((expected.Channels, expected.Height, expected.Width), (actual.Channels, actual.Height, actual.Width));
        Assert.Equal(expected.Images, actual.Images);
        Assert.Equal(expected.Masks, actual.Masks);
        Assert.Equal(expected.PatientOfSlice, actual.PatientOfSlice);
        Assert.Equal(expected.Patients, actual.Patients);
    }

    [Fact]
    public void Default_settings_give_exactly_the_slices_of_SliceSetBuilder()
    {
        AssertSame(SliceSetBuilder.Build(Patients), new SamplePipeline().Build(Patients, training: true).Slices);
    }

    [Fact]
    public void A_warm_cache_serves_every_patient_with_the_same_values_and_changed_inputs_miss()
    {
        var progress = new List<PreprocessingProgress>();
        var pipeline = new SamplePipeline(cache: new SampleCache(_folder), sourceIdentity: Synthetic);

        PreprocessedSamples cold = pipeline.Build(Patients, progress: new Recorder(progress));
        PreprocessedSamples warm = pipeline.Build(Patients);

        Assert.Equal((0, Patients.Count), (cold.CacheHits, cold.Built));
        Assert.Equal((Patients.Count, 0), (warm.CacheHits, warm.Built));
        Assert.Equal(Patients.Count, Directory.GetFiles(_folder, "*.samples", SearchOption.AllDirectories).Length);
        AssertSame(SliceSetBuilder.Build(Patients), cold.Slices);
        AssertSame(cold.Slices, warm.Slices);
        Assert.Equal(Patients.Count, progress.Count);
        Assert.Equal(Patients.Count, progress.Max(p => p.Done));

        // Another source identity or another crop is another key.
        Assert.Equal(0, new SamplePipeline(cache: new SampleCache(_folder), sourceIdentity: p => "files:changed").Build(Patients).CacheHits);
        Assert.Equal(0, new SamplePipeline(new PreprocessingSettings { CropSize = 24 }, new SampleCache(_folder), Synthetic).Build(Patients).CacheHits);
        // Oversampling happens after the cache: same key.
        Assert.Equal(Patients.Count, new SamplePipeline(new PreprocessingSettings { LesionOversampling = 3 }, new SampleCache(_folder), Synthetic).Build(Patients).CacheHits);
    }

    [Fact]
    public void A_flipped_byte_is_refused_with_the_file_and_place_and_the_entry_is_rebuilt()
    {
        var cache = new SampleCache(_folder);
        var pipeline = new SamplePipeline(cache: cache, sourceIdentity: Synthetic);
        SliceSet original = pipeline.Build(Patients).Slices;
        string entry = cache.PathOf(SampleCache.Key(Patients[2].Key, Synthetic(Patients[2]), pipeline.Settings));
        byte[] bytes = File.ReadAllBytes(entry);
        bytes[bytes.Length / 2] ^= 0x10;
        File.WriteAllBytes(entry, bytes);

        PreprocessedSamples again = pipeline.Build(Patients);

        string refusal = Assert.Single(again.Refused);
        Assert.Contains(entry, refusal, StringComparison.Ordinal);
        Assert.Contains("offset 8 (content hash)", refusal, StringComparison.Ordinal);
        Assert.Contains("rebuilt", refusal, StringComparison.Ordinal);
        Assert.Equal((Patients.Count - 1, 1), (again.CacheHits, again.Built));
        AssertSame(original, again.Slices);
        Assert.Empty(pipeline.Build(Patients).Refused);
        Assert.Empty(Directory.GetFiles(_folder, "*.tmp", SearchOption.AllDirectories));

        // Reading the damaged entry directly: the same sentence, as an exception.
        File.WriteAllBytes(entry, bytes);
        var e = Assert.Throws<SampleCacheException>(() => cache.TryRead(SampleCache.Key(Patients[2].Key, Synthetic(Patients[2]), pipeline.Settings),
            new SamplePatient(Patients[2].Key, Patients[2].IsCsPca), out _));
        Assert.Equal(entry, e.Path);
    }

    [Fact]
    public void Resampling_to_thinner_slices_gives_more_slices_of_the_same_crop()
    {
        var native = new SamplePipeline().Build(Patients).Slices;
        var thin = new SamplePipeline(new PreprocessingSettings { SpacingMm = (180.0 / 64, 180.0 / 64, 1.5) }).Build(Patients).Slices;

        Assert.Equal((native.Channels, native.Height, native.Width), (thin.Channels, thin.Height, thin.Width));
        // 3 mm → 1.5 mm slices: twice the slices through the gland, give or take the ends.
        Assert.InRange(thin.Count / (double)native.Count, 1.7, 2.3);
        Assert.InRange(thin.Masks.Count(m => m != 0) / (double)native.Masks.Count(m => m != 0), 1.6, 2.4);
    }

    [Fact]
    public void Training_repeats_lesion_slices_and_test_does_not()
    {
        var pipeline = new SamplePipeline(new PreprocessingSettings { LesionOversampling = 3 });
        SliceSet test = pipeline.Build(Patients).Slices;
        SliceSet train = pipeline.Build(Patients, training: true).Slices;
        int plane = test.Height * test.Width;
        int lesionSlices = Enumerable.Range(0, test.Count).Count(i => test.Masks.AsSpan(i * plane, plane).ContainsAnyExcept(0L));

        Assert.True(lesionSlices > 0);
        Assert.Equal(test.Count + (2 * lesionSlices), train.Count);
        Assert.Equal(3 * lesionSlices, Enumerable.Range(0, train.Count).Count(i => train.Masks.AsSpan(i * plane, plane).ContainsAnyExcept(0L)));
    }

    private sealed class Recorder(List<PreprocessingProgress> list) : IProgress<PreprocessingProgress>
    {
        public void Report(PreprocessingProgress value)
        {
            lock (list)
            {
                list.Add(value);
            }
        }
    }
}
