using Flip.Datasets.Synthetic;
using Flip.Federated;
using Flip.Federated.Runs;
using Flip.Federated.Simulations;

namespace Flip.Experiments.Tests;

[Collection("Torch")]
public sealed class ExperimentTests : IDisposable
{
    private static readonly PreparedCohort Cohort = PreparedCohort.Prepare(SyntheticCohort.Flip6(new SyntheticCohortOptions { Scale = 0.02, Seed = 3 }), seed: 3);
    private readonly string _folder = Directory.CreateTempSubdirectory("flip-exp-").FullName;

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    private static ExperimentOptions Options(string? folder = null) => new()
    {
        Rounds = 2,
        Seed = 5,
        BaseChannels = 4,
        Device = "cpu",
        RunFolder = folder,
    };

    [Fact]
    public async Task FedAvg_trains_every_hospital_and_evaluates_each_on_its_own_patients_every_round()
    {
        var log = new ListLogger();
        ExperimentResult result = await Experiment.SimulateAsync(Cohort, "fedavg", Options(Path.Combine(_folder, "fedavg")), logger: log);

        Assert.Equal("fedavg", result.Strategy);
        Assert.Equal(2, result.Run.RoundsCompleted);
        Assert.True(result.Run.Failures.Count == 0, string.Join("; ", result.Run.Failures) + Environment.NewLine + log);
        foreach (int round in new[] { 1, 2 })
        {
            var tested = result.Run.Metrics.Where(m => m.Round == round && m.Split == MetricRecord.TestSplit && m.Metric == MetricNames.Dice).Select(m => m.Site);
            Assert.Equal(Cohort.Sites.Select(s => s.Id).Order(), tested.Where(s => s.StartsWith("site-", StringComparison.Ordinal)).Order());
        }

        string metrics = File.ReadAllText(Path.Combine(_folder, "fedavg", RunStore.MetricsFileName));
        Assert.StartsWith(MetricsFile.Header, metrics);
        Assert.True(File.Exists(Path.Combine(_folder, "fedavg", RunStore.RunFileName)));
        Assert.Equal(6, result.FinalSiteMetrics().Count);

        // run.json records the model the sites trained, and it rebuilds to the final model's arrays
        var recipe = Flip.Learning.Models.ModelRecipe.FromSettings(RunStore.Open(Path.Combine(_folder, "fedavg")).Info.Model, "run.json");
        Assert.Equal(new Flip.Learning.Models.ModelRecipe { InputChannels = Cohort.Sites[0].Train.Channels, BaseChannels = 4 }, recipe);
        using var rebuilt = recipe.Build();
        Assert.Equal(result.Run.FinalParameters.Layout, Flip.Learning.Models.ModelParameters.ToParameterSet(rebuilt).Layout);
    }

    [Fact]
    public async Task The_same_seed_gives_identical_metrics_on_CPU()
    {
        ExperimentResult a = await Experiment.SimulateAsync(Cohort, "fedprox", Options());
        ExperimentResult b = await Experiment.SimulateAsync(Cohort, "fedprox", Options());

        Assert.Equal(MetricsFile.Format(a.Run.Metrics), MetricsFile.Format(b.Run.Metrics));
        Assert.True(a.Run.FinalParameters.ContentEquals(b.Run.FinalParameters));
    }

    [Fact]
    public async Task Centralised_trains_one_pooled_site_and_still_reports_every_hospital()
    {
        ExperimentResult result = await Experiment.SimulateAsync(Cohort, "centralised", Options());

        var trained = result.Run.Metrics.Where(m => m.Split == MetricRecord.TrainSplit).Select(m => m.Site).Distinct();
        Assert.Equal(["pooled"], trained);
        Assert.Contains("site-4", result.FinalSiteMetrics().Keys);
    }

    [Fact]
    public async Task FedBN_keeps_normalisation_layers_at_each_site()
    {
        ExperimentResult result = await Experiment.SimulateAsync(Cohort, "fedbn", Options());
        ExperimentResult initialOnly = await Experiment.SimulateAsync(Cohort, "fedbn", Options() with { Rounds = 1 });

        // The global model's BatchNorm entries are never averaged: they stay at their initial values.
        Assert.True(result.Run.FinalParameters["enc1.bn1.running_mean"].ContentEquals(initialOnly.Run.FinalParameters["enc1.bn1.running_mean"]));
        Assert.False(result.Run.FinalParameters["enc1.conv1.weight"].ContentEquals(initialOnly.Run.FinalParameters["enc1.conv1.weight"]));
    }

    [Fact]
    public void Comparison_finds_the_worst_and_best_hospital()
    {
        var fake = new ExperimentResult("fedavg", new RunResult(ParameterSet.Empty,
            [
                new MetricRecord(1, "site-1", MetricRecord.TestSplit, MetricNames.Auroc, 0.9),
                new MetricRecord(1, "site-2", MetricRecord.TestSplit, MetricNames.Auroc, 0.6),
                new MetricRecord(1, "site-3", MetricRecord.TestSplit, MetricNames.Auroc, 0.75),
            ], [], 1, false, null), TimeSpan.Zero);

        FairnessRow row = Assert.Single(Comparison.Build([fake], Cohort).Fairness(MetricNames.Auroc));

        Assert.Equal(("site-2", 0.6, "site-1", 0.9), (row.WorstSite, row.Worst, row.BestSite, row.Best));
        Assert.Equal(0.75, row.Mean, 12);   // (0.9 + 0.6 + 0.75) / 3
        Assert.Equal(0.3, row.Gap, 12);
    }
}

[Collection("Torch")]
public sealed class CrossSiteTests
{
    [Fact]
    public async Task Local_only_tests_every_hospital_model_at_every_hospital()
    {
        var cohort = PreparedCohort.Prepare(SyntheticCohort.Flip6(new SyntheticCohortOptions { Scale = 0.02, Seed = 3 }), seed: 3);

        ExperimentResult result = await Experiment.SimulateAsync(cohort, "local-only", new ExperimentOptions { Rounds = 1, BaseChannels = 4, Device = "cpu" });

        var dice = result.CrossSite(MetricNames.Dice);
        Assert.Equal(36, dice.Count);
        // The diagonal is each hospital's own test result, the same figure the round's evaluation reported.
        foreach (var site in cohort.Sites)
        {
            Assert.Equal(result.FinalSiteMetrics()[site.Id][MetricNames.Dice], dice[(site.Id, site.Id)], 6);
        }
    }
}

[Collection("Torch")]
public sealed class LeaveOneSiteOutTests
{
    [Fact]
    public async Task The_held_out_hospital_never_trains_and_is_tested_on_all_its_patients()
    {
        var cohort = PreparedCohort.Prepare(SyntheticCohort.Flip6(new SyntheticCohortOptions { Scale = 0.02, Seed = 3 }), seed: 3);

        HeldOutSiteResult result = await Experiment.LeaveOneSiteOutAsync(cohort, "fedavg", "site-6", new ExperimentOptions { Rounds = 1, BaseChannels = 4, Device = "cpu" });

        Assert.DoesNotContain(result.Federation.Run.Metrics, m => m.Site == "site-6");
        Assert.Equal(5, result.Federation.FinalSiteMetrics().Count);
        Assert.Equal(cohort.Sites.Single(s => s.Id == "site-6").Site!.Patients.Count, result.HeldOutPatients);
        Assert.InRange(result.HeldOutMetrics[MetricNames.Dice], 0, 1);
        await Assert.ThrowsAsync<FlipException>(() => Experiment.LeaveOneSiteOutAsync(cohort, "local-only", "site-6"));
    }
}
