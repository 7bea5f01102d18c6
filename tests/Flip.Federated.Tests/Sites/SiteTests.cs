using Flip.Federated.Tests.Toy;

namespace Flip.Federated.Tests.Sites;

public sealed class SiteTests
{
    private static ParameterSet Vector(params float[] values) => ParameterSet.Create(ParameterArray.Float32("w", values));

    private static float[] Values(ParameterSet set, string name = "w") => set[name].AsFloat32().ToArray();

    [Fact]
    public async Task TrainAsync_updates_the_SCAFFOLD_control_variate_by_option_II()
    {
        // Given x = [1, 1, 1, 1], c = [0.5, 0, 0, 0], cᵢ = 0, and a trainer that reaches y = [0, 1, 2, 3]
        // in K = 2 steps at η_l = 0.5 (so K·η_l = 1):
        //   cᵢ⁺ = cᵢ − c + (x − y)/(K·η_l) = −[0.5, 0, 0, 0] + [1, 0, −1, −2] = [0.5, 0, −1, −2]
        //   Δcᵢ = cᵢ⁺ − cᵢ = [0.5, 0, −1, −2]
        var trainer = new ScriptedTrainer((_, _) => new SiteUpdate(Vector(0, 1, 2, 3), ParameterKind.Full, 10, MetricSet.Of((MetricNames.LocalSteps, 2))));
        var site = new Site(new SiteId("site-a"), trainer);
        var config = new TrainConfig { LearningRate = 0.5, UseControlVariates = true, ServerControlVariate = Vector(0.5f, 0, 0, 0) };

        var update = await site.TrainAsync(Vector(1, 1, 1, 1), config, CancellationToken.None);

        Assert.Equal([0.5f, 0, -1, -2], Values(update.ControlVariateDelta!));
        Assert.Equal([0.5f, 0, -1, -2], Values(site.State.ControlVariate!));

        // A second round with the same reply: cᵢ⁺ = [0.5, 0, −1, −2] − c + [1, 0, −1, −2] = [1, 0, −2, −4]; Δcᵢ = [0.5, 0, −1, −2]
        var second = await site.TrainAsync(Vector(1, 1, 1, 1), config, CancellationToken.None);
        Assert.Equal([0.5f, 0, -1, -2], Values(second.ControlVariateDelta!));
        Assert.Equal([1f, 0, -2, -4], Values(site.State.ControlVariate!));
    }

    [Fact]
    public async Task TrainAsync_keeps_local_layers_at_the_site_and_sends_the_global_values_in_their_place()
    {
        // The trainer adds 1 to everything it is given.
        var trainer = new ScriptedTrainer((p, _) => new SiteUpdate(ParameterMath.Map(p, x => x + 1), ParameterKind.Full, 4, MetricSet.Empty));
        var site = new Site(new SiteId("site-a"), trainer);
        var config = new TrainConfig { LocalParameterNames = ["bn.weight"] };
        static ParameterSet Model(float conv, float bn) => ParameterSet.Create(ParameterArray.Float32("conv.weight", conv), ParameterArray.Float32("bn.weight", bn));

        // Round 1: starts from the global bn (5), trains it to 6, keeps 6, sends the global 5.
        var first = await site.TrainAsync(Model(1, 5), config, CancellationToken.None);
        Assert.Equal([2f], Values(first.Parameters, "conv.weight"));
        Assert.Equal([5f], Values(first.Parameters, "bn.weight"));
        Assert.Equal([6f], Values(site.State.LocalParameters!, "bn.weight"));

        // Round 2: the server's bn is 50, but the site trains from its own 6.
        var second = await site.TrainAsync(Model(2, 50), config, CancellationToken.None);
        Assert.Equal([6f], Values(trainer.TrainCalls[1].Parameters, "bn.weight"));
        Assert.Equal([50f], Values(second.Parameters, "bn.weight"));
        Assert.Equal([7f], Values(site.State.LocalParameters!, "bn.weight"));

        // Evaluation uses the site's own bn too.
        _ = await site.EvaluateAsync(Model(3, 50), new EvaluateConfig { LocalParameterNames = ["bn.weight"] }, CancellationToken.None);
        Assert.Equal([7f], Values(trainer.EvaluateCalls[0], "bn.weight"));
    }

    [Fact]
    public async Task TrainAsync_clips_the_update_to_the_clipping_norm()
    {
        // y − x = [3, 4] has norm 5; clipped to norm 1 → [0.6, 0.8], sent as a difference.
        var trainer = new ScriptedTrainer((p, _) => new SiteUpdate(ParameterMath.Add(p, Vector(3, 4)), ParameterKind.Full, 4, MetricSet.Empty));
        var site = new Site(new SiteId("site-a"), trainer);

        var update = await site.TrainAsync(Vector(1, 1), new TrainConfig { ClippingNorm = 1 }, CancellationToken.None);

        Assert.Equal(ParameterKind.Difference, update.Kind);
        Assert.Equal([0.6f, 0.8f], Values(update.Parameters));
        Assert.Equal(0, update.Metrics[MetricNames.UpdateUnclipped]);
    }

    [Fact]
    public async Task TrainAsync_leaves_an_update_within_the_clipping_norm_unchanged()
    {
        var trainer = new ScriptedTrainer((p, _) => new SiteUpdate(ParameterMath.Add(p, Vector(0.3f, 0.4f)), ParameterKind.Full, 4, MetricSet.Empty));
        var site = new Site(new SiteId("site-a"), trainer);

        var update = await site.TrainAsync(Vector(1, 1), new TrainConfig { ClippingNorm = 1 }, CancellationToken.None);

        Assert.Equal(1, update.Metrics[MetricNames.UpdateUnclipped]);
        Assert.Equal(0.5, ParameterMath.L2Norm(update.Parameters), 6);
    }

    [Fact]
    public async Task EvaluateAsync_fine_tunes_a_copy_with_separate_state_before_evaluating()
    {
        var trainer = new ScriptedTrainer((p, _) => new SiteUpdate(ParameterMath.Map(p, x => x * 2), ParameterKind.Full, 4, MetricSet.Empty));
        var site = new Site(new SiteId("site-a"), trainer);

        _ = await site.EvaluateAsync(Vector(3), new EvaluateConfig { FineTuneEpochs = 2, FineTuneLearningRate = 0.1 }, CancellationToken.None);

        var (_, config, state) = Assert.Single(trainer.TrainCalls);
        Assert.Equal((2, 0.1), (config.LocalEpochs, config.LearningRate));
        Assert.Same(site.State.FineTuning, state);
        Assert.Equal([6f], Values(trainer.EvaluateCalls[0]));
        Assert.Equal(0, site.State.RoundsTrained);
    }

    [Fact]
    public async Task TrainAsync_names_the_site_when_the_trainer_returns_another_layout()
    {
        var trainer = new ScriptedTrainer((_, _) => new SiteUpdate(Vector(1, 2, 3), ParameterKind.Full, 4, MetricSet.Empty));
        var site = new Site(new SiteId("site-4"), trainer);

        var error = await Assert.ThrowsAsync<ParameterLayoutException>(() => site.TrainAsync(Vector(1, 1), new TrainConfig(), CancellationToken.None));

        Assert.Equal("site-4 sent `w` as [3], the global model has [2].", error.Message);
    }
}
