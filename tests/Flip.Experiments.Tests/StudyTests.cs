using Flip.Datasets.Synthetic;
using Flip.Federated;
using Flip.Federated.Runs;

namespace Flip.Experiments.Tests;

/// <summary>The study API: strategies × seeds on one cohort, a folder per run, comparisons and seed intervals over them.</summary>
[Collection("Torch")]
public sealed class StudyTests : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("flip-study-").FullName;

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    [Fact]
    public async Task A_study_runs_every_strategy_from_every_seed_in_its_own_folder_and_pairs_them_by_seed()
    {
        PreparedCohort cohort = PreparedCohort.Prepare(SyntheticCohort.Flip6(new SyntheticCohortOptions { Scale = 0.01, Seed = 3 }), seed: 3);
        var options = new ExperimentOptions { Rounds = 1, BaseChannels = 4, Device = "cpu" };
        var seen = new List<(string, int, int)>();

        StudyResult study = await Study.RunAsync(cohort, ["fedavg", "fedbn"], options, seeds: [5, 6], folder: _folder,
            progress: new SynchronousProgress<StudyProgress>(p => seen.Add((p.Strategy, p.Seed, p.Round.Round))));

        // Seeds outermost, strategies in order, every round reported, a folder per run with its metrics
        Assert.Equal([("fedavg", 5), ("fedbn", 5), ("fedavg", 6), ("fedbn", 6)], study.Runs.Select(r => (r.Strategy, r.Seed)));
        Assert.Equal([("fedavg", 5, 1), ("fedbn", 5, 1), ("fedavg", 6, 1), ("fedbn", 6, 1)], seen);
        foreach (StudyRun run in study.Runs)
        {
            string folder = Path.Combine(_folder, $"{run.Strategy}-seed{run.Seed}");
            Assert.Equal(folder, run.Result.Run.RunFolder);
            Assert.True(File.Exists(Path.Combine(folder, MetricsFile.FileName)), folder);
        }

        // Different seeds train different models; the same seed is the same run
        Assert.False(study.Of("fedavg")[0].Run.FinalParameters.ContentEquals(study.Of("fedavg")[1].Run.FinalParameters));
        Assert.Equal(["fedavg", "fedbn"], study.Results(6).Select(r => r.Strategy));
        Assert.Equal(["fedavg", "fedbn"], study.Comparison(5).Strategies);

        // The difference pairs the seeds' figures: the comparison's mean over hospitals, seed by seed
        SeedDifference mean = study.Difference("fedavg", "fedbn", MetricNames.Dice);
        Assert.Equal(2, mean.Seeds);
        Assert.Equal(study.Comparison(6).Fairness(MetricNames.Dice).Single(r => r.Strategy == "fedbn").Mean, mean.Candidate[1]);
        Assert.True(mean.Low <= mean.MeanDifference && mean.MeanDifference <= mean.High);
        Assert.Throws<ArgumentException>(() => study.Difference("fedavg", "scaffold", MetricNames.Dice));
    }

    [Fact]
    public void The_seed_interval_is_Student_t_on_the_paired_differences_and_decides_only_when_it_excludes_zero()
    {
        // d = 0.05, 0.04, 0.05: mean 0.046667, sd 0.0057735, t(2) = 4.303 → ± 0.014344
        SeedDifference ahead = SeedDifference.Of("mean auroc", [0.80, 0.82, 0.81], [0.85, 0.86, 0.86]);
        Assert.Equal(0.046667, ahead.MeanDifference, 5);
        Assert.Equal(0.032323, ahead.Low, 5);
        Assert.Equal(0.061011, ahead.High, 5);
        Assert.Equal("ahead", ahead.Direction);

        Assert.Equal("behind", SeedDifference.Of("x", [0.85, 0.86, 0.86], [0.80, 0.82, 0.81]).Direction);
        // A mean difference of +0.02 whose seeds disagree (+0.10, −0.06) says nothing
        SeedDifference noisy = SeedDifference.Of("x", [0.80, 0.90], [0.90, 0.84]);
        Assert.Equal("inconclusive", noisy.Direction);
        Assert.True(noisy.Low < 0 && noisy.High > 0);
        // One seed: no interval at all; a seed with a missing figure is left out
        SeedDifference one = SeedDifference.Of("x", [0.80, double.NaN], [0.90, 0.95]);
        Assert.Equal(1, one.Seeds);
        Assert.True(double.IsNaN(one.Low));
        Assert.Equal("inconclusive", one.Direction);
    }
}
