using Flip.Datasets.Synthetic;
using Flip.Federated;
using Flip.Federated.Simulations;
using Flip.Learning.Metrics;

namespace Flip.Experiments.Tests;

/// <summary>
/// The direction of effects on a small FLIP-6 cohort, through the catalogue a user's command goes through: every
/// strategy trains (no skipped round, the test loss falls), and the pooled baseline is not below local-only.
/// </summary>
[Collection("Torch")]
public sealed class ScienceTests : IDisposable
{
    private static readonly PreparedCohort Cohort = PreparedCohort.Prepare(SyntheticCohort.Flip6(new SyntheticCohortOptions { Scale = 0.04, Seed = 3 }), seed: 3);
    private readonly string _folder = Directory.CreateTempSubdirectory("flip-science-").FullName;

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    private static ExperimentOptions Options(string? folder = null) => new()
    {
        Rounds = 3,
        Seed = 5,
        BaseChannels = 4,
        Device = "cpu",
        RunFolder = folder,
    };

    // DP-FedAvg's noise is the point of it: whether it still trains depends on z, which the test below varies.
    public static TheoryData<string> Catalogue() => [.. StrategyCatalog.Names.Where(n => n != "dp-fedavg")];

    [Theory]
    [MemberData(nameof(Catalogue))]
    public async Task Every_strategy_in_the_catalogue_aggregates_every_round_and_lowers_the_test_loss(string name)
    {
        ExperimentResult result = await Experiment.SimulateAsync(Cohort, name, Options());

        RunHealth health = result.Health;
        Assert.True(health.IsHealthy, $"{name}: {string.Join("; ", health.Problems)}");
        Assert.Equal(3, health.RoundsRun);
        Assert.True(health.FinalLoss < health.InitialLoss, $"{name}: loss {health.InitialLoss} -> {health.FinalLoss}");
    }

    [Fact]
    public async Task DP_FedAvg_spends_less_epsilon_and_trains_worse_as_its_noise_grows()
    {
        ExperimentResult quiet = await Experiment.SimulateAsync(Cohort, "dp-fedavg", Options() with { Privacy = new PrivacySettings(1.0, 0.05) });
        ExperimentResult noisy = await Experiment.SimulateAsync(Cohort, "dp-fedavg", Options() with { Privacy = new PrivacySettings(1.0, 2.0) });

        // Nearly noiseless, it trains as FedAvg does: clipped updates, every round aggregated, the test loss falls.
        Assert.True(quiet.Health.IsHealthy, string.Join("; ", quiet.Health.Problems));
        // ε falls as z grows, and it is positive and finite.
        double Epsilon(ExperimentResult r) => r.Run.Metrics.Where(m => m.Site == MetricRecord.FederatedSite && m.Metric == MetricNames.Epsilon).MaxBy(m => m.Round)!.Value;
        Assert.True(Epsilon(noisy) < Epsilon(quiet), $"ε: z = 2 gave {Epsilon(noisy)}, z = 0.05 gave {Epsilon(quiet)}");
        Assert.True(Epsilon(noisy) > 0 && double.IsFinite(Epsilon(quiet)));
        // The utility pays for it: with noise of z·C/m = 0.33 per weight the final test loss is above the quiet run's.
        Assert.True(noisy.Health.FinalLoss > quiet.Health.FinalLoss, $"test loss: z = 2 {noisy.Health.FinalLoss}, z = 0.05 {quiet.Health.FinalLoss}");
    }

    [Fact]
    public async Task Centralised_trains_and_is_not_below_local_only_on_pooled_auroc()
    {
        var options = Options() with { Rounds = 4 };
        ExperimentResult centralised = await Experiment.SimulateAsync(Cohort, "centralised", options with { RunFolder = Path.Combine(_folder, "centralised") });
        ExperimentResult localOnly = await Experiment.SimulateAsync(Cohort, "local-only", options with { RunFolder = Path.Combine(_folder, "local-only") });

        // The pooled site's update is aggregated in every round: the model it is tested with was trained.
        Assert.All(centralised.Run.Metrics.Where(m => m.Site == MetricRecord.ServerSite && m.Metric == MetricNames.SitesAggregated), m => Assert.Equal(1, m.Value));
        Assert.True(centralised.Health.IsHealthy, string.Join("; ", centralised.Health.Problems));

        double pooledCentralised = PooledAuroc("centralised");
        double pooledLocal = PooledAuroc("local-only");
        Assert.True(pooledCentralised >= pooledLocal, $"pooled AUROC: centralised {pooledCentralised:F3} < local-only {pooledLocal:F3}");
    }

    [Fact]
    public async Task A_strategy_whose_rounds_aggregate_nothing_fails_the_check_and_the_comparison_flags_it()
    {
        // More sites required than the cohort has: every round is skipped and the model kept, as a real quorum would.
        ExperimentResult starved = await Experiment.SimulateAsync(Cohort, "fedavg", Options() with { MinTrainSites = 7 });
        ExperimentResult trained = await Experiment.SimulateAsync(Cohort, "centralised", Options() with { MinTrainSites = 7 });

        Assert.True(starved.Health.NeverAggregated);
        Assert.False(starved.Health.IsHealthy);
        Assert.True(trained.Health.IsHealthy, string.Join("; ", trained.Health.Problems));   // the baseline keeps its own minimum of one
        Comparison comparison = Comparison.Build([starved, trained], Cohort);
        Assert.Equal(["fedavg"], comparison.Flagged);
        Assert.True(comparison.AnyNeverAggregated);
    }

    // AUROC over every hospital's held-out patients together, from the run's predictions.csv.
    private double PooledAuroc(string run)
    {
        var rows = File.ReadAllLines(Path.Combine(_folder, run, "predictions.csv")).Skip(1).Select(line => line.Split(',')).ToList();
        return ClassificationMetrics.Auroc([.. rows.Select(r => r[2] == "1")], [.. rows.Select(r => double.Parse(r[3], System.Globalization.CultureInfo.InvariantCulture))]);
    }
}
