using Flip.Federated.Simulations;
using Flip.Federated.Strategies;
using Flip.Federated.Tests.Toy;

namespace Flip.Federated.Tests.Simulations;

public sealed class SimulationTests
{
    // Three IID sites of y = 2·x₀ − 1·x₁ + 0.5 with noise ±0.1; different data per site.
    private static List<Site> Sites(params IReadOnlySet<int>[] failInRounds) =>
    [
        .. Enumerable.Range(0, 3).Select(i => new Site(
            new SiteId($"site-{i}"),
            new LinearRegressionTrainer(100 + i, [2, -1], 0.5, trainCount: 40 + (16 * i)) { FailInRounds = i < failInRounds.Length ? failInRounds[i] : new HashSet<int>() })),
    ];

    private static FedAvg Strategy() => new() { TrainConfig = new TrainConfig { LearningRate = 0.1, LocalEpochs = 1 } };

    private static double Federated(RunResult run, int round, string metric = MetricNames.Loss)
        => run.Metrics.Single(m => m.Round == round && m.Site == MetricRecord.FederatedSite && m.Metric == metric).Value;

    [Fact]
    public async Task FedAvg_converges_to_the_true_model()
    {
        var simulation = new Simulation(Sites(), Strategy(), new SimulationOptions { Rounds = 30, Seed = 7 });

        var run = await simulation.RunAsync(LinearRegressionTrainer.Initial());

        // The test loss falls from about the variance of y (≈ 1.9) to the noise floor (0.1²/3 ≈ 0.0033).
        double[] p = LinearRegressionTrainer.Read(run.FinalParameters);
        Assert.True(Federated(run, 1) > 0.1, $"round 1 loss {Federated(run, 1)}");
        Assert.True(Federated(run, 30) < 0.01, $"round 30 loss {Federated(run, 30)}");
        Assert.Equal(2, p[0], 0.05);
        Assert.Equal(-1, p[1], 0.05);
        Assert.Equal(0.5, p[2], 0.05);
        Assert.Equal(30, run.RoundsCompleted);
        Assert.Empty(run.Failures);
    }

    [Fact]
    public async Task The_same_seed_gives_identical_metrics_whatever_the_parallelism()
    {
        var options = new SimulationOptions { Rounds = 5, Seed = 11, DropoutProbability = 0.2 };
        var strategy = new FedAvg { FractionTrain = 0.67, MinTrainSites = 1, TrainConfig = new TrainConfig { LearningRate = 0.1 } };

        var first = await new Simulation(Sites(), strategy, options).RunAsync(LinearRegressionTrainer.Initial());
        var second = await new Simulation(Sites(), new FedAvg { FractionTrain = 0.67, MinTrainSites = 1, TrainConfig = new TrainConfig { LearningRate = 0.1 } }, options with { MaxParallelism = 3 })
            .RunAsync(LinearRegressionTrainer.Initial());
        var otherSeed = await new Simulation(Sites(), Strategy(), options with { Seed = 12 }).RunAsync(LinearRegressionTrainer.Initial());

        Assert.Equal(first.Metrics, second.Metrics);
        Assert.True(first.FinalParameters.ContentEquals(second.FinalParameters));
        Assert.NotEqual(first.Metrics, otherSeed.Metrics);
    }

    [Fact]
    public async Task A_site_that_throws_becomes_a_SiteFailure_and_the_round_goes_on()
    {
        var simulation = new Simulation(Sites(new HashSet<int>(), new HashSet<int> { 2 }), Strategy(), new SimulationOptions { Rounds = 3 });

        var run = await simulation.RunAsync(LinearRegressionTrainer.Initial());

        var failure = Assert.Single(run.Failures);
        Assert.Equal(new SiteFailure(new SiteId("site-1"), 2, "train", FailureCategory.Trainer, "InvalidOperationException"), failure);
        Assert.Equal(2, run.Metrics.Single(m => m.Round == 2 && m.Metric == MetricNames.SitesAggregated).Value);
        Assert.Equal(1, run.Metrics.Single(m => m.Round == 2 && m.Metric == MetricNames.SitesFailed).Value);
        Assert.Equal(3, run.Metrics.Count(m => m.Round == 2 && m.Split == MetricRecord.TestSplit && m.Metric == MetricNames.Loss && m.Site.StartsWith("site-", StringComparison.Ordinal)));
    }

    [Fact]
    public async Task Failure_reasons_carry_no_message_text_from_the_site()
    {
        var run = await new Simulation(Sites(new HashSet<int> { 1 }), Strategy(), new SimulationOptions { Rounds = 1 }).RunAsync(LinearRegressionTrainer.Initial());

        Assert.DoesNotContain("patient", Assert.Single(run.Failures).Reason, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Every_site_is_evaluated_on_its_own_data_every_round()
    {
        var run = await new Simulation(Sites(), Strategy(), new SimulationOptions { Rounds = 4 }).RunAsync(LinearRegressionTrainer.Initial());

        var evaluated = run.Metrics.Where(m => m.Split == MetricRecord.TestSplit && m.Metric == MetricNames.ExampleCount).Select(m => (m.Round, m.Site)).ToList();
        Assert.Equal(12, evaluated.Count);
        Assert.All(run.Metrics.Where(m => m.Split == MetricRecord.TestSplit && m.Metric == MetricNames.ExampleCount), m => Assert.Equal(32, m.Value));
    }

    [Fact]
    public async Task An_evaluation_only_site_is_evaluated_every_round_but_never_trains()
    {
        var pooled = new Site(new SiteId("pooled"), new LinearRegressionTrainer(99, [2, -1], 0.5, trainCount: 8, testCount: 96));
        var simulation = new Simulation(Sites(), Strategy(), new SimulationOptions { Rounds = 3 }) { EvaluationOnlySites = [pooled] };

        var run = await simulation.RunAsync(LinearRegressionTrainer.Initial());

        Assert.Equal([1, 2, 3], run.Metrics.Where(m => m.Site == "pooled" && m.Metric == MetricNames.ExampleCount).Select(m => m.Round));
        Assert.All(run.Metrics.Where(m => m.Site == "pooled"), m => Assert.Equal(MetricRecord.TestSplit, m.Split));
        Assert.Equal(0, pooled.State.RoundsTrained);

        // The federated aggregate covers the three sites only; each has 32 test examples, so it is their plain mean.
        double mean = run.Metrics.Where(m => m.Round == 3 && m.Site.StartsWith("site-", StringComparison.Ordinal) && m.Split == MetricRecord.TestSplit && m.Metric == MetricNames.Loss).Average(m => m.Value);
        Assert.Equal(mean, Federated(run, 3), 12);
    }

    [Fact]
    public async Task Injected_dropouts_below_the_minimum_skip_the_round_and_keep_the_model()
    {
        var options = new SimulationOptions { Rounds = 2, DropoutProbability = 1 };
        var initial = LinearRegressionTrainer.Initial(1, 2, 3);

        var run = await new Simulation(Sites(), Strategy(), options).RunAsync(initial);

        Assert.True(run.FinalParameters.ContentEquals(initial));
        Assert.Equal(6, run.Failures.Count(f => f.Category == FailureCategory.Dropout));
        Assert.All(run.Metrics.Where(m => m.Metric == MetricNames.SitesAggregated), m => Assert.Equal(0, m.Value));
    }

    [Fact]
    public async Task Too_few_sites_fails_the_run_when_asked_to()
    {
        var options = new SimulationOptions { Rounds = 2, DropoutProbability = 1, OnTooFewSites = TooFewSitesPolicy.Fail };

        var error = await Assert.ThrowsAsync<AggregationException>(() => new Simulation(Sites(), Strategy(), options).RunAsync(LinearRegressionTrainer.Initial()));

        Assert.Equal("Round 1: fedavg needs at least 2 sites to aggregate, 0 answered (failed: site-0 (dropout), site-1 (dropout), site-2 (dropout)).", error.Message);
        Assert.Equal(ExitCodes.RunFailed, error.ExitCode);
    }

    [Fact]
    public async Task Stragglers_later_than_the_deadline_time_out()
    {
        var options = new SimulationOptions { Rounds = 1, StragglerProbability = 1, StragglerDelay = TimeSpan.FromMinutes(10), SiteDeadline = TimeSpan.FromMinutes(1) };

        var run = await new Simulation(Sites(), Strategy(), options).RunAsync(LinearRegressionTrainer.Initial());

        Assert.Equal(3, run.Failures.Count(f => f.Category == FailureCategory.Timeout));
    }

    [Fact]
    public async Task Stragglers_within_the_deadline_are_aggregated()
    {
        var options = new SimulationOptions { Rounds = 1, StragglerProbability = 1, StragglerDelay = TimeSpan.FromSeconds(1), SiteDeadline = TimeSpan.FromHours(1) };

        var run = await new Simulation(Sites(), Strategy(), options).RunAsync(LinearRegressionTrainer.Initial());

        Assert.Empty(run.Failures);
    }

    [Fact]
    public async Task The_initial_model_can_be_evaluated_as_round_zero()
    {
        var run = await new Simulation(Sites(), Strategy(), new SimulationOptions { Rounds = 2, EvaluateInitialModel = true }).RunAsync(LinearRegressionTrainer.Initial());

        // Round 0: three sites' test loss, mse and count, and the federated loss and mse; no training or server rows.
        var roundZero = run.Metrics.Where(m => m.Round == 0).ToList();
        Assert.Equal(11, roundZero.Count);
        Assert.All(roundZero, m => Assert.Equal(MetricRecord.TestSplit, m.Split));
        Assert.True(Federated(run, 0) > Federated(run, 2));
    }

    [Fact]
    public async Task Early_stopping_ends_the_run_after_the_patience_runs_out()
    {
        // MinDelta is so large that no round after the first counts as an improvement.
        var options = new SimulationOptions { Rounds = 10, EarlyStopping = new EarlyStopping { Patience = 2, MinDelta = 1e9 } };

        var run = await new Simulation(Sites(), Strategy(), options).RunAsync(LinearRegressionTrainer.Initial());

        Assert.Equal(3, run.RoundsCompleted);
        Assert.True(run.StoppedEarly);
    }

    [Fact]
    public async Task Progress_is_reported_after_every_round()
    {
        var reports = new List<RoundReport>();
        var progress = new SynchronousProgress<RoundReport>(reports.Add);

        await new Simulation(Sites(), Strategy(), new SimulationOptions { Rounds = 3 }).RunAsync(LinearRegressionTrainer.Initial(), progress: progress);

        Assert.Equal([1, 2, 3], reports.Select(r => r.Round));
        Assert.All(reports, r => Assert.Equal((3, 3, false), (r.TotalRounds, r.SitesAggregated, r.Skipped)));
        Assert.All(reports, r => Assert.True(r.Federated.ContainsKey(MetricNames.Loss)));
        Assert.All(reports, r => Assert.All(r.Metrics, m => Assert.Equal(r.Round, m.Round)));
        // Per round: 3 sites × (train loss, local-steps, num-examples + test loss, mse, num-examples) + federated loss, mse + 2 server rows = 22.
        Assert.All(reports, r => Assert.Equal(22, r.Metrics.Count));
    }

    [Fact]
    public async Task Invalid_options_and_strategy_are_reported_together_before_round_one()
    {
        var simulation = new Simulation(Sites(), new FedProx { Mu = -1 }, new SimulationOptions { Rounds = 0, MaxParallelism = 0 });

        var error = await Assert.ThrowsAsync<ValidationException>(() => simulation.RunAsync(LinearRegressionTrainer.Initial()));

        Assert.Equal(
            ["Rounds must be ≥ 1 (got 0).", "MaxParallelism must be ≥ 1 (got 0).", "fedprox: Mu must be a finite number ≥ 0 (got -1)."],
            error.Problems);
        Assert.StartsWith("Cannot start the simulation; 3 problems: (1) Rounds must be ≥ 1 (got 0).", error.Message);
    }

    [Fact]
    public async Task Scaffold_runs_end_to_end_and_converges()
    {
        var strategy = new Scaffold { TrainConfig = new TrainConfig { LearningRate = 0.1 } };

        var run = await new Simulation(Sites(), strategy, new SimulationOptions { Rounds = 30, Seed = 3 }).RunAsync(LinearRegressionTrainer.Initial());

        Assert.True(Federated(run, 30) < 0.01, $"round 30 loss {Federated(run, 30)}");
        Assert.NotNull(strategy.ServerControlVariate);
    }

    [Fact]
    public async Task LocalOnly_fits_each_site_to_its_own_data()
    {
        // Three sites with different true models: local-only fits each; FedAvg can only fit their mean.
        var sites = new List<Site>
        {
            new(new SiteId("site-0"), new LinearRegressionTrainer(1, [2, -1], 0.5)),
            new(new SiteId("site-1"), new LinearRegressionTrainer(2, [-2, 1], -0.5)),
            new(new SiteId("site-2"), new LinearRegressionTrainer(3, [0, 3], 1)),
        };
        var config = new TrainConfig { LearningRate = 0.1 };

        var local = await new Simulation(sites, new LocalOnly { TrainConfig = config }, new SimulationOptions { Rounds = 30 }).RunAsync(LinearRegressionTrainer.Initial());

        Assert.True(Federated(local, 30) < 0.01, $"local-only round 30 loss {Federated(local, 30)}");
        Assert.True(local.FinalParameters.ContentEquals(LinearRegressionTrainer.Initial()));
    }

    private sealed class SynchronousProgress<T>(Action<T> report) : IProgress<T>
    {
        public void Report(T value) => report(value);
    }
}
