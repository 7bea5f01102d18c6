using Flip.Federated.Simulations;
using Flip.Federated.Strategies;
using Flip.Federated.Tests.Toy;

namespace Flip.Federated.Tests.Simulations;

public sealed class GeneralisationTests
{
    private static readonly TrainConfig Config = new() { LearningRate = 0.1 };

    // Three sites with different true models: site-0 y = 2x₀ − x₁ + 0.5, site-1 y = −2x₀ + x₁ − 0.5, site-2 y = 3x₁ + 1.
    private static List<Site> HeterogeneousSites() =>
    [
        new(new SiteId("site-0"), new LinearRegressionTrainer(1, [2, -1], 0.5)),
        new(new SiteId("site-1"), new LinearRegressionTrainer(2, [-2, 1], -0.5)),
        new(new SiteId("site-2"), new LinearRegressionTrainer(3, [0, 3], 1)),
    ];

    [Fact]
    public async Task The_cross_site_matrix_shows_local_models_fit_their_own_site_best()
    {
        var sites = HeterogeneousSites();
        var run = await new Simulation(sites, new LocalOnly { TrainConfig = Config }, new SimulationOptions { Rounds = 30 }).RunAsync(LinearRegressionTrainer.Initial());

        var matrix = await CrossSiteEvaluation.RunAsync(sites, CrossSiteEvaluation.SiteModels(sites, run.FinalParameters));

        Assert.Equal(9, matrix.Count);
        foreach (var row in matrix.GroupBy(r => r.Model))
        {
            double own = row.Single(r => r.Site.Value == row.Key).Evaluation.Metrics[MetricNames.Loss];
            Assert.All(row.Where(r => r.Site.Value != row.Key), other => Assert.True(own < other.Evaluation.Metrics[MetricNames.Loss], $"model {row.Key}: own {own}, at {other.Site} {other.Evaluation.Metrics[MetricNames.Loss]}"));
        }
    }

    [Fact]
    public async Task Leave_one_site_out_trains_on_the_others_and_tests_on_the_one_left_out()
    {
        // Four IID sites: a model trained on any three fits the fourth.
        List<Site> Sites() => [.. Enumerable.Range(0, 4).Select(i => new Site(new SiteId($"site-{i}"), new LinearRegressionTrainer(40 + i, [1, 2], 0)))];

        var folds = await LeaveOneSiteOut.RunAsync(Sites, () => new FedAvg { TrainConfig = Config }, new SimulationOptions { Rounds = 20, Seed = 3 }, LinearRegressionTrainer.Initial());

        Assert.Equal(["site-0", "site-1", "site-2", "site-3"], folds.Select(f => f.HeldOut.Value));
        Assert.All(folds, f => Assert.DoesNotContain(f.Run.Metrics, m => m.Site == f.HeldOut.Value));
        Assert.All(folds, f => Assert.True(f.HeldOutEvaluation.Metrics[MetricNames.Loss] < 0.05, $"{f.HeldOut}: {f.HeldOutEvaluation.Metrics[MetricNames.Loss]}"));
    }
}
