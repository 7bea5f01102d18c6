using Flip.Federated.SecureAggregation;
using Flip.Federated.Simulations;
using Flip.Federated.Strategies;
using Flip.Federated.Tests.Toy;

namespace Flip.Federated.Tests.SecureAggregation;

public sealed class SecureFedAvgTests
{
    private static readonly TrainConfig Config = new() { LearningRate = 0.1 };

    // Five non-IID sites (shifted inputs, different sizes) of y = 2·x₀ − x₁ + 0.5.
    private static List<Site> Sites() =>
        [.. Enumerable.Range(0, 5).Select(i => new Site(new SiteId($"site-{i}"), new LinearRegressionTrainer(500 + i, [2, -1], 0.5, trainCount: 24 + (16 * i), inputShift: 0.3 * i)))];

    [Fact]
    public async Task A_simulation_with_secure_aggregation_matches_plain_FedAvg_with_dropouts()
    {
        var options = new SimulationOptions { Rounds = 8, Seed = 3, DropoutProbability = 0.2 };
        var secure = new SecureFedAvg { TrainConfig = Config, Settings = new SecureAggregationSettings { ThresholdFraction = 0.4 } };

        var plain = await new Simulation(Sites(), new FedAvg { TrainConfig = Config }, options).RunAsync(LinearRegressionTrainer.Initial());
        var masked = await new Simulation(Sites(), secure, options).RunAsync(LinearRegressionTrainer.Initial());

        Assert.NotEmpty(masked.Failures); // sites dropped out after sharing their keys and were unmasked around
        Assert.Equal(plain.Failures.Select(f => (f.Site, f.Round)), masked.Failures.Select(f => (f.Site, f.Round)));
        var expected = plain.Metrics.Where(m => m.Split == MetricRecord.TestSplit).ToList();
        var actual = masked.Metrics.Where(m => m.Split == MetricRecord.TestSplit).ToList();
        Assert.Equal(expected.Count, actual.Count);
        foreach (var (e, a) in expected.Zip(actual))
        {
            Assert.Equal((e.Round, e.Site, e.Metric), (a.Round, a.Site, a.Metric));
            Assert.True(Math.Abs(e.Value - a.Value) <= 1e-4 * Math.Max(1, Math.Abs(e.Value)), $"round {e.Round} {e.Site} {e.Metric}: FedAvg {e.Value:R}, secure {a.Value:R}");
        }

        double[] p = LinearRegressionTrainer.Read(plain.FinalParameters), s = LinearRegressionTrainer.Read(masked.FinalParameters);
        Assert.All(p.Zip(s), pair => Assert.True(Math.Abs(pair.First - pair.Second) < 1e-4, $"final parameters {string.Join(", ", p)} vs {string.Join(", ", s)}"));
        Assert.Equal("fedavg-secagg", secure.Name);
    }

    [Fact]
    public void Int64_counters_are_averaged_and_floats_aggregated_securely()
    {
        var global = ParameterSet.Create(ParameterArray.Float32("w", 1, 1), ParameterArray.Int64("bn.num_batches_tracked", [], [10]));
        TrainReply Reply(string site, long n, float a, float b, long steps) =>
            new(new SiteId(site), new SiteUpdate(ParameterSet.Create(ParameterArray.Float32("w", a, b), ParameterArray.Int64("bn.num_batches_tracked", [], [steps])), ParameterKind.Full, n, MetricSet.Empty));
        var replies = new TrainReplies([Reply("site-a", 1, 2, 3, 14), Reply("site-b", 3, 4, -1, 18)], []);
        var round = new RoundContext(1, 1, [new("site-a"), new("site-b")], new Random(0));

        var plain = new FedAvg().AggregateTrain(round, global, replies);
        var secure = new SecureFedAvg().AggregateTrain(round, global, replies);

        // (1·[2, 3] + 3·[4, −1]) / 4 = [3.5, 0]; counters (14 + 3·18)/4 = 17.
        Assert.Equal(plain["bn.num_batches_tracked"].AsInt64().ToArray(), secure["bn.num_batches_tracked"].AsInt64().ToArray());
        var values = secure["w"].AsFloat32().ToArray();
        Assert.True(Math.Abs(values[0] - 3.5) < 1e-4 && Math.Abs(values[1]) < 1e-4, $"got {values[0]}, {values[1]}");
    }
}
