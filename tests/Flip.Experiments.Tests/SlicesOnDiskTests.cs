using Flip.Datasets;
using Flip.Datasets.Preprocessing;
using Flip.Datasets.Samples;
using Flip.Datasets.Synthetic;
using Flip.Federated.Runs;

namespace Flip.Experiments.Tests;

/// <summary>
/// A cohort prepared with a slices folder keeps its slices on disk and reads them a batch at a time (memory flat in the
/// number of patients, issue #20); it must hold, train and evaluate exactly what the same cohort in memory does.
/// </summary>
[Collection("Torch")]
public sealed class SlicesOnDiskTests : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("flip-slices-").FullName;

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    [Fact]
    public void A_cohort_on_disk_holds_the_same_slices_patients_and_oversampled_lesion_slices_in_the_same_order_as_in_memory()
    {
        Cohort cohort = SyntheticCohort.Flip6(new SyntheticCohortOptions { Scale = 0.005, Seed = 4 });
        var pipeline = new SamplePipeline(new PreprocessingSettings { LesionOversampling = 3 });
        PreparedCohort memory = PreparedCohort.Prepare(cohort, seed: 4, pipeline: pipeline);
        string slices = Path.Combine(_folder, "slices");
        using PreparedCohort disk = PreparedCohort.Prepare(cohort, seed: 4, pipeline: pipeline, slicesFolder: slices);

        Assert.All(memory.Sites.Zip(disk.Sites), x =>
        {
            Assert.True(x.First.Train.InMemory);
            Assert.False(x.Second.Train.InMemory);
            Assert.Single(x.Second.Train.Files);
            SameSlices(x.First.Train, x.Second.Train);
            SameSlices(x.First.Test, x.Second.Test);
        });
        Assert.True(memory.Sites.Sum(s => s.Train.Count) > memory.Sites.Sum(s => s.Train.Patients.Count), "slices outnumber patients");
        Assert.True(memory.Sites.Sum(s => s.Train.Count) > PreparedCohort.Prepare(cohort, seed: 4).Sites.Sum(s => s.Train.Count), "oversampling added lesion slices");
        SameSlices(memory.Pooled().Train, disk.Pooled().Train);
        SameSlices(memory.Pooled().Test, disk.Pooled().Test);

        Assert.Equal(cohort.Sites.Count * 2, Directory.GetFiles(slices, "site*-*.slices").Length);
        Assert.Empty(Directory.GetFiles(slices, "*.tmp"));
        InvalidOperationException inMemoryOnly = Assert.Throws<InvalidOperationException>(() => disk.Sites[0].Train.Images);
        Assert.Contains("site01-train.slices", inMemoryOnly.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Training_and_evaluating_from_disk_gives_the_metrics_and_model_of_training_in_memory()
    {
        Cohort cohort = SyntheticCohort.Flip6(new SyntheticCohortOptions { Scale = 0.01, Seed = 6 });
        PreparedCohort memory = PreparedCohort.Prepare(cohort, seed: 6);
        using PreparedCohort disk = PreparedCohort.Prepare(cohort, seed: 6, slicesFolder: Path.Combine(_folder, "slices"));
        var options = new ExperimentOptions { Rounds = 2, Seed = 5, BaseChannels = 4, Device = "cpu" };

        foreach (string strategy in new[] { "fedavg", "centralised" })
        {
            ExperimentResult a = await Experiment.SimulateAsync(memory, strategy, options);
            ExperimentResult b = await Experiment.SimulateAsync(disk, strategy, options);

            Assert.Equal(MetricsFile.Format(a.Run.Metrics), MetricsFile.Format(b.Run.Metrics));
            Assert.True(a.Run.FinalParameters.ContentEquals(b.Run.FinalParameters), strategy);
            Assert.Contains(b.Run.Metrics, m => m.Metric == Flip.Federated.MetricNames.SoftDice && m.Value is > 0 and < 1); // evaluated real predictions, not an empty set
        }
    }

    private static void SameSlices(SliceSet expected, SliceSet actual)
    {
        Assert.Equal(expected.Count, actual.Count);
        Assert.Equal((expected.Channels, expected.Height, expected.Width), (actual.Channels, actual.Height, actual.Width));
        Assert.Equal(expected.PatientOfSlice, actual.PatientOfSlice);
        Assert.Equal(expected.Patients, actual.Patients);
        int plane = expected.Height * expected.Width;
        var image = new float[expected.Channels * plane];
        var mask = new long[plane];
        for (int i = 0; i < expected.Count; i++)
        {
            actual.CopySlice(i, image, mask);
            Assert.True(expected.Images.AsSpan(i * image.Length, image.Length).SequenceEqual(image), $"slice {i}'s image");
            Assert.True(expected.Masks.AsSpan(i * plane, plane).SequenceEqual(mask), $"slice {i}'s mask");
        }
    }
}
