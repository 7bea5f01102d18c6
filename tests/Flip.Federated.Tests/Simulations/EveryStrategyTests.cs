using Flip.Federated.Privacy;
using Flip.Federated.Simulations;
using Flip.Federated.Strategies;
using Flip.Federated.Tests.Toy;

namespace Flip.Federated.Tests.Simulations;

public sealed class EveryStrategyTests
{
    private static readonly TrainConfig Config = new() { LearningRate = 0.1 };

    public static TheoryData<string> Names() =>
    [
        "fedavg", "fedavgm", "fedprox", "fedbn", "scaffold", "fedadam", "fedyogi", "fedadagrad",
        "fedmedian", "trimmed-mean", "krum", "multi-krum", "fedavg-fine-tuned", "local-only", "dp-fedavg", "dp-fedavg-local", "dp-fedavg-adaptive",
    ];

    private static Strategy Create(string name) => name switch
    {
        "fedavg" => new FedAvg { TrainConfig = Config },
        "fedavgm" => new FedAvgM { TrainConfig = Config, Momentum = 0.5 },
        "fedprox" => new FedProx { TrainConfig = Config, Mu = 0.1 },
        "fedbn" => new FedBN { TrainConfig = Config },
        "scaffold" => new Scaffold { TrainConfig = Config },
        "fedadam" => new FedAdam { TrainConfig = Config, ServerLearningRate = 0.3 },
        "fedyogi" => new FedYogi { TrainConfig = Config, ServerLearningRate = 0.3 },
        "fedadagrad" => new FedAdagrad { TrainConfig = Config, ServerLearningRate = 1 },
        "fedmedian" => new FedMedian { TrainConfig = Config },
        "trimmed-mean" => new TrimmedMean { TrainConfig = Config, Beta = 0.25 },
        "krum" => new Krum { TrainConfig = Config },
        "multi-krum" => new Krum { TrainConfig = Config, SelectCount = 2 },
        "fedavg-fine-tuned" => new FedAvgFineTuned { TrainConfig = Config, FineTuneLearningRate = 0.1 },
        "local-only" => new LocalOnly { TrainConfig = Config },
        "dp-fedavg-local" => new DifferentialPrivacyFedAvg { TrainConfig = Config, ClippingNorm = 5, NoiseMultiplier = 0.01, Noise = NoisePlacement.Local },
        "dp-fedavg-adaptive" => new DifferentialPrivacyFedAvg { TrainConfig = Config, ClippingNorm = 0.1, NoiseMultiplier = 0.01, Adaptive = new AdaptiveClipping { CountNoiseStandardDeviation = 0.1 } },
        _ => new DifferentialPrivacyFedAvg { TrainConfig = Config, ClippingNorm = 5, NoiseMultiplier = 0.01 },
    };

    [Theory]
    [MemberData(nameof(Names))]
    public async Task Each_strategy_runs_in_the_simulation_and_lowers_the_test_loss(string name)
    {
        // Four IID sites of y = 2·x₀ − x₁ + 0.5; the initial model (zeros) has a test loss near 1.9.
        var sites = Enumerable.Range(0, 4).Select(i => new Site(new SiteId($"site-{i}"), new LinearRegressionTrainer(300 + i, [2, -1], 0.5))).ToList();
        var strategy = Create(name);

        var run = await new Simulation(sites, strategy, new SimulationOptions { Rounds = 25, Seed = 2 }).RunAsync(LinearRegressionTrainer.Initial());

        double Loss(int round) => run.Metrics.Single(m => m.Round == round && m.Site == MetricRecord.FederatedSite && m.Metric == MetricNames.Loss).Value;
        Assert.Equal(name.StartsWith("dp-fedavg", StringComparison.Ordinal) ? "dp-fedavg" : name, strategy.Name);
        Assert.Empty(run.Failures);
        Assert.True(Loss(25) < 0.05, $"{name}: round 1 loss {Loss(1)}, round 25 loss {Loss(25)}");
    }
}
