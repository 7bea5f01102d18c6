using Flip.Federated.Attacks;
using Flip.Federated.Simulations;
using Flip.Federated.Strategies;
using Flip.Federated.Tests.Toy;

namespace Flip.Federated.Tests.Attacks;

public sealed class RobustnessUnderAttackTests
{
    private static readonly TrainConfig Config = new() { LearningRate = 0.1 };

    [Theory]
    [InlineData("site-6:sign-flip=5")]
    [InlineData("site-6:scale=10")]
    [InlineData("site-6:noise=3")]
    public void One_poisoned_site_drags_FedAvg_away_while_Krum_trimmed_mean_and_median_stay_near_the_honest_mean(string attackText)
    {
        // Seven sites; six honest updates scatter around Δ* (each coordinate ±0.02), the seventh is poisoned.
        var attack = SiteAttack.Parse(attackText);
        const int length = 200;
        var random = new Random(11);
        float[] direction = [.. Enumerable.Range(0, length).Select(_ => (float)((random.NextDouble() * 2) - 1) * 0.2f)];
        var global = ParameterSet.Create(ParameterArray.Float32("w", new float[length]));
        var sites = Enumerable.Range(0, 7).Select(i => new SiteId($"site-{i}")).ToList();
        var honest = sites.Select(_ => ParameterSet.Create(ParameterArray.Float32("w", [.. direction.Select(d => d + (float)((random.NextDouble() * 0.04) - 0.02))]))).ToList();
        var replies = sites.Select((site, i) =>
        {
            var update = new SiteUpdate(honest[i], ParameterKind.Full, 100, MetricSet.Empty);
            return new TrainReply(site, site == attack.Site ? attack.Apply(global, update, seed: 1) : update);
        }).ToList();
        var round = new RoundContext(1, 1, sites, new Random(0));
        var honestMean = ParameterMath.Mean(honest.Take(6).ToList());
        double radius = honest.Take(6).Max(h => Math.Sqrt(ParameterMath.SquaredDistance(h, honestMean)));

        double Distance(Strategy strategy) => Math.Sqrt(ParameterMath.SquaredDistance(strategy.AggregateTrain(round, global, new TrainReplies(replies, [])), honestMean));

        double fedAvg = Distance(new FedAvg());
        Assert.True(fedAvg > 5 * radius, $"{attack}: FedAvg is {fedAvg:F3} from the honest mean, the honest sites are within {radius:F3}");
        foreach (var robust in new Strategy[] { new Krum { ByzantineSites = 1 }, new TrimmedMean { Beta = 0.15 }, new FedMedian() })
        {
            double distance = Distance(robust);
            Assert.True(distance <= radius, $"{attack}: {robust.Name} is {distance:F3} from the honest mean, beyond the honest radius {radius:F3} (FedAvg {fedAvg:F3})");
        }
    }

    [Fact]
    public async Task In_the_simulation_a_sign_flipping_attacker_breaks_FedAvg_but_not_the_median()
    {
        var attack = SiteAttack.Parse("site-4:sign-flip=8");
        List<Site> Sites() => [.. Enumerable.Range(0, 5).Select(i =>
        {
            ISiteTrainer trainer = new LinearRegressionTrainer(700 + i, [2, -1], 0.5);
            var id = new SiteId($"site-{i}");
            return new Site(id, id == attack.Site ? new PoisonedTrainer(trainer, attack) : trainer);
        })];
        var options = new SimulationOptions { Rounds = 15, Seed = 4 };

        async Task<double> FinalLoss(Strategy strategy)
        {
            var run = await new Simulation(Sites(), strategy, options).RunAsync(LinearRegressionTrainer.Initial());
            return run.Metrics.Single(m => m.Round == 15 && m.Site == MetricRecord.FederatedSite && m.Metric == MetricNames.Loss).Value;
        }

        double fedAvg = await FinalLoss(new FedAvg { TrainConfig = Config });
        double median = await FinalLoss(new FedMedian { TrainConfig = Config });

        Assert.True(median < 0.05, $"FedMedian's test loss under attack is {median:F4}");
        Assert.True(fedAvg > 20 * median, $"FedAvg's test loss under attack is {fedAvg:F4}, FedMedian's {median:F4}");
    }

    [Theory]
    [InlineData("site-3:sign-flip", AttackKind.SignFlip, 1)]
    [InlineData("site-3:scale=10", AttackKind.Scale, 10)]
    [InlineData("site-3:noise", AttackKind.Noise, 1)]
    [InlineData("site-3:noise=0.5", AttackKind.Noise, 0.5)]
    public void Attacks_parse(string text, AttackKind kind, double strength)
        => Assert.Equal(new SiteAttack(new SiteId("site-3"), kind, strength), SiteAttack.Parse(text));

    [Theory]
    [InlineData("sign-flip", "has no site before ':'")]
    [InlineData("site-3:scale", "scale needs a factor")]
    [InlineData("site-3:scale=-2", "'-2' is not a number > 0")]
    [InlineData("site-3:flood", "'flood' is not an attack")]
    [InlineData("site 3:noise", "'site 3' is not a site id")]
    public void A_malformed_attack_names_the_problem_and_the_expected_form(string text, string problem)
    {
        var error = Assert.Throws<FlipException>(() => SiteAttack.Parse(text));

        Assert.Equal($"--attack '{text}': {problem}; expected SITE:sign-flip, SITE:scale=FACTOR or SITE:noise[=SIGMA], e.g. site-3:sign-flip or site-3:scale=10.", error.Message);
        Assert.Equal(ExitCodes.BadCommandLine, error.ExitCode);
    }

    [Fact]
    public void A_sign_flip_reverses_the_update_and_keeps_counters()
    {
        var global = ParameterSet.Create(ParameterArray.Float32("w", 1, 1), ParameterArray.Int64("n", [], [5]));
        var update = new SiteUpdate(ParameterSet.Create(ParameterArray.Float32("w", 3, 0), ParameterArray.Int64("n", [], [9])), ParameterKind.Full, 10, MetricSet.Empty);

        var poisoned = SiteAttack.Parse("site-1:sign-flip=2").Apply(global, update, 0);

        // x − 2·(y − x) = [1 − 4, 1 + 2]
        Assert.Equal([-3f, 3f], poisoned.Parameters["w"].AsFloat32().ToArray());
        Assert.Equal([9L], poisoned.Parameters["n"].AsInt64().ToArray());
    }
}
