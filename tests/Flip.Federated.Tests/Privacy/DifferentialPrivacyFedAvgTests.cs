using Flip.Federated.Privacy;
using Flip.Federated.Simulations;
using Flip.Federated.Strategies;
using Flip.Federated.Tests.Toy;

namespace Flip.Federated.Tests.Privacy;

public sealed class DifferentialPrivacyFedAvgTests
{
    private static readonly SiteId A = new("site-a"), B = new("site-b"), C = new("site-c");

    private static RoundContext Round(int seed = 0) => new(1, 10, [A, B, C], new Random(seed));

    private static ParameterSet Vector(params float[] values) => ParameterSet.Create(ParameterArray.Float32("w", values));

    private static TrainReply Difference(SiteId site, long examples, params float[] delta)
        => new(site, new SiteUpdate(Vector(delta), ParameterKind.Difference, examples, MetricSet.Empty));

    [Fact]
    public void AggregateTrain_clips_each_update_to_the_norm_and_averages_them_equally()
    {
        // Given C = 1 and (practically) no noise:
        //   Δa = [3, 4, 0, 0]   (norm 5)   → [0.6, 0.8, 0, 0]
        //   Δb = [0.3, 0.4, 0, 0] (norm 0.5) → unchanged
        //   Δc = [0, 0, 6, 8]   (norm 10)  → [0, 0, 0.6, 0.8]
        // mean (example counts 5, 2, 9 ignored) = [0.9, 1.2, 0.6, 0.8] / 3 = [0.3, 0.4, 0.2, 0.266667]
        var strategy = new DifferentialPrivacyFedAvg { ClippingNorm = 1, NoiseMultiplier = 1e-12 };
        var replies = new TrainReplies([Difference(A, 5, 3, 4, 0, 0), Difference(B, 2, 0.3f, 0.4f, 0, 0), Difference(C, 9, 0, 0, 6, 8)], []);

        var result = strategy.AggregateTrain(Round(), Vector(1, 1, 1, 1), replies);

        var values = result["w"].AsFloat32().ToArray();
        double[] expected = [1.3, 1.4, 1.2, 1 + (0.8 / 3)];
        for (int i = 0; i < 4; i++)
        {
            Assert.Equal(expected[i], values[i], 5);
        }
    }

    [Fact]
    public void Without_noise_the_step_never_exceeds_the_clipping_norm()
    {
        var random = new Random(4);
        for (int trial = 0; trial < 50; trial++)
        {
            var replies = new TrainReplies(
                [.. new[] { A, B, C }.Select(s => Difference(s, 1, [.. Enumerable.Range(0, 8).Select(_ => (float)((random.NextDouble() - 0.5) * 40))]))],
                []);
            var global = Vector(new float[8]);

            var result = new DifferentialPrivacyFedAvg { ClippingNorm = 0.7, NoiseMultiplier = 1e-12 }.AggregateTrain(Round(trial), global, replies);

            Assert.True(ParameterMath.L2Norm(ParameterMath.Subtract(result, global)) <= 0.7 + 1e-6);
        }
    }

    [Fact]
    public void A_running_variance_noised_below_zero_is_clamped_at_zero_and_the_weights_keep_their_noise()
    {
        // Given: a BatchNorm running variance of 0.01 and a weight, zero updates from 3 sites, noise N(0, 1) per coordinate
        const int n = 2_000;
        var global = ParameterSet.Create(ParameterArray.Float32("w", new float[n]), ParameterArray.Float32("bn.running_var", Enumerable.Repeat(0.01f, n).ToArray()));
        TrainReply Zero(SiteId site) => new(site, new SiteUpdate(ParameterMath.Subtract(global, global, "zero"), ParameterKind.Difference, 1, MetricSet.Empty));
        var replies = new TrainReplies([Zero(A), Zero(B), Zero(C)], []);

        var next = new DifferentialPrivacyFedAvg { ClippingNorm = 2, NoiseMultiplier = 1.5 }.AggregateTrain(Round(seed: 4), global, replies);

        // Then: about half the variances would be negative (BatchNorm would evaluate NaN); they are 0, the rest keep the noise
        float[] variances = next["bn.running_var"].AsFloat32().ToArray();
        Assert.All(variances, v => Assert.True(v >= 0));
        Assert.InRange(variances.Count(v => v == 0), n / 3, 2 * n / 3);
        Assert.Contains(next["w"].AsFloat32().ToArray(), w => w < 0);
    }

    [Fact]
    public void Central_noise_has_standard_deviation_z_C_over_m()
    {
        // Given zero updates from m = 3 sites, z = 1.5 and C = 2: every coordinate is N(0, (1.5·2/3)²) = N(0, 1).
        const int n = 30_000;
        var global = Vector(new float[n]);
        var replies = new TrainReplies([Difference(A, 1, new float[n]), Difference(B, 1, new float[n]), Difference(C, 1, new float[n])], []);

        var noise = new DifferentialPrivacyFedAvg { ClippingNorm = 2, NoiseMultiplier = 1.5 }.AggregateTrain(Round(seed: 9), global, replies)["w"].AsFloat32().ToArray();

        // Standard errors: mean 1/√n ≈ 0.0058, standard deviation 1/√(2n) ≈ 0.0041; the bounds are ≥ 5 of them.
        double mean = noise.Average(x => (double)x);
        double sd = Math.Sqrt(noise.Sum(x => (x - mean) * (x - mean)) / (n - 1));
        Assert.InRange(mean, -0.03, 0.03);
        Assert.InRange(sd, 0.98, 1.02);
    }

    [Fact]
    public void Adaptive_clipping_moves_the_norm_geometrically_toward_the_target_quantile()
    {
        // Norms 5, 0.5, 10 with C = 1: one of three unclipped, b̄ = 1/3 (no count noise);
        // C ← 1 · exp(−0.2 · (1/3 − 0.5)) = exp(1/30) = 1.033895113…
        var strategy = new DifferentialPrivacyFedAvg
        {
            ClippingNorm = 1,
            NoiseMultiplier = 1e-12,
            Adaptive = new AdaptiveClipping { TargetQuantile = 0.5, LearningRate = 0.2, CountNoiseStandardDeviation = 0 },
        };
        var replies = new TrainReplies([Difference(A, 5, 3, 4, 0, 0), Difference(B, 2, 0.3f, 0.4f, 0, 0), Difference(C, 9, 0, 0, 6, 8)], []);

        strategy.AggregateTrain(Round(), Vector(1, 1, 1, 1), replies);

        Assert.Equal(Math.Exp(1.0 / 30), strategy.CurrentClippingNorm, 12);
    }

    [Fact]
    public void Adaptive_clipping_splits_the_noise_between_count_and_updates()
    {
        // z = 1, σ_b = 5: z_Δ = (1 − 1/100)^(−1/2) = 1.00503782…
        var strategy = new DifferentialPrivacyFedAvg { NoiseMultiplier = 1, Adaptive = new AdaptiveClipping { CountNoiseStandardDeviation = 5 } };

        Assert.Equal(1 / Math.Sqrt(0.99), strategy.UpdateNoiseMultiplier(100), 12);
    }

    [Fact]
    public void Local_mode_asks_each_site_to_clip_and_add_noise_of_z_C()
    {
        var instructions = new DifferentialPrivacyFedAvg { ClippingNorm = 0.5, NoiseMultiplier = 1.2, Noise = NoisePlacement.Local }.ConfigureTrain(Round(), Vector(0));

        Assert.All(instructions, i => Assert.Equal((0.5, 0.6), (i.Config.ClippingNorm!.Value, Math.Round(i.Config.LocalNoiseStandardDeviation, 12))));
    }

    [Fact]
    public async Task A_simulation_reports_a_growing_epsilon_every_round()
    {
        var sites = Enumerable.Range(0, 4).Select(i => new Site(new SiteId($"site-{i}"), new LinearRegressionTrainer(i, [1, 1], 0))).ToList();
        var strategy = new DifferentialPrivacyFedAvg { NoiseMultiplier = 1.1, ClippingNorm = 0.5, FractionTrain = 0.5, TrainConfig = new TrainConfig { LearningRate = 0.1 } };

        var run = await new Simulation(sites, strategy, new SimulationOptions { Rounds = 5, Seed = 1 }).RunAsync(LinearRegressionTrainer.Initial());

        var epsilons = run.Metrics.Where(m => m.Metric == MetricNames.Epsilon).Select(m => m.Value).ToList();
        Assert.Equal(5, epsilons.Count);
        Assert.True(epsilons.Zip(epsilons.Skip(1)).All(p => p.Second > p.First), string.Join(", ", epsilons));
        Assert.Equal(strategy.PrivacySpent.Epsilon, epsilons[^1]);
    }

    [Fact]
    public void Adaptive_clipping_with_too_little_count_noise_is_refused_with_the_numbers()
    {
        var strategy = new DifferentialPrivacyFedAvg { NoiseMultiplier = 1, Adaptive = new AdaptiveClipping() };

        var error = Assert.Throws<ValidationException>(() => strategy.UpdateNoiseMultiplier(6));

        Assert.Contains("NoiseMultiplier (1) must be below 2σ_b = 0.6", error.Message);
    }
}
