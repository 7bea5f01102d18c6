using Flip.Federated.Tests.Toy;

namespace Flip.Federated.Tests.Privacy;

/// <summary>A node's local DP noise must not be reproducible by the server from anything the server sent it.</summary>
public sealed class LocalNoiseTests
{
    private static readonly SiteId Hospital = new("site-1");

    // Everything the server sends in a local DP-FedAvg round, the seed included.
    private static readonly TrainConfig Config = new() { Round = 1, Seed = 42, LearningRate = 0.1, ClippingNorm = 0.5, LocalNoiseStandardDeviation = 0.3 };

    private static Task<SiteUpdate> Train(TrainConfig config, bool seeded = false)
        => new Site(Hospital, new LinearRegressionTrainer(1, [2, -1], 0.5)) { SeededPrivacyNoise = seeded }.TrainAsync(LinearRegressionTrainer.Initial(), config, CancellationToken.None);

    // The server's best attempt: the clipped update it can compute itself (same trainer, no noise) plus noise from the
    // generator it can rebuild from the seed it sent. Equal to what the node sent only if the node's noise came from that seed.
    private static async Task<ParameterSet> ServerReconstruction()
    {
        SiteUpdate clean = await Train(Config with { LocalNoiseStandardDeviation = 0 });
        return new Gaussian(new Random(Seeds.Derive(Config.Seed, 7))).AddNoise(clean.Parameters, Config.LocalNoiseStandardDeviation);
    }

    [Fact]
    public async Task The_server_cannot_regenerate_a_nodes_local_noise_from_the_seed_it_sent()
    {
        ParameterSet reconstruction = await ServerReconstruction();
        SiteUpdate sent = await Train(Config);
        SiteUpdate sentAgain = await Train(Config);

        Assert.Equal(ParameterKind.Difference, sent.Kind);
        Assert.False(sent.Parameters.ContentEquals(reconstruction), "the server rebuilt the node's noisy update from its own seed");
        Assert.False(sent.Parameters.ContentEquals(sentAgain.Parameters), "two rounds with the same instruction drew the same noise");

        // The noise is real noise of the asked scale: the sent update differs from the clean one in every coordinate.
        SiteUpdate clean = await Train(Config with { LocalNoiseStandardDeviation = 0 });
        var difference = ParameterMath.Subtract(sent.Parameters, clean.Parameters, "noise");
        Assert.All(difference, a => Assert.All(a.ToDoubleArray(), d => Assert.NotEqual(0.0, d)));
    }

    [Fact]
    public async Task A_simulation_asks_for_seeded_noise_explicitly_and_then_repeats_exactly()
    {
        // The control for the test above: with seeded noise (simulations only) the server's reconstruction is exact.
        ParameterSet reconstruction = await ServerReconstruction();
        SiteUpdate seeded = await Train(Config, seeded: true);

        Assert.True(seeded.Parameters.ContentEquals(reconstruction));
        Assert.True(seeded.Parameters.ContentEquals((await Train(Config, seeded: true)).Parameters));
    }
}
