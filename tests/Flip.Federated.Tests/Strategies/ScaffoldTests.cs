using Flip.Federated.Strategies;
using static Flip.Federated.Tests.Strategies.ThreeSites;

namespace Flip.Federated.Tests.Strategies;

public sealed class ScaffoldTests
{
    private static TrainReply Reply(SiteId site, long examples, float[] values, float[] controlDelta)
        => new(site, new SiteUpdate(Vector(values), ParameterKind.Full, examples, MetricSet.Empty) { ControlVariateDelta = Vector(controlDelta) });

    [Fact]
    public void AggregateTrain_takes_the_unweighted_mean_update_and_moves_c_by_the_control_deltas_over_N()
    {
        // Given x = [1, 1, 1, 1], η_g = 1, N = 3 sites, and
        //   Δy_a = [0, 1, 2, 3], Δy_b = [8, 9, 10, 11], Δy_c = [−1, −2, 4, 7]
        //   Δc_a = [1, 0, 0, 0], Δc_b = [0, 2, 0, 0],   Δc_c = [0, 0, 3, 3]
        var strategy = new Scaffold();
        var config = strategy.ConfigureTrain(Round(), Global);
        Assert.All(config, i => Assert.True(i.Config.UseControlVariates));
        Assert.All(config, i => Assert.Equal([0f, 0, 0, 0], Values(i.Config.ServerControlVariate!)));
        var replies = new TrainReplies(
            [
                Reply(A, 5, [1, 2, 3, 4], [1, 0, 0, 0]),
                Reply(B, 2, [9, 10, 11, 12], [0, 2, 0, 0]),
                Reply(C, 9, [0, -1, 5, 8], [0, 0, 3, 3]),
            ],
            []);

        var result = strategy.AggregateTrain(Round(), Global, replies);

        // x ← x + (1/3)·Σ Δy = 1 + [7, 8, 16, 21]/3 = [10/3, 11/3, 19/3, 8] (example counts ignored)
        Near([10.0 / 3, 11.0 / 3, 19.0 / 3, 8], Values(result));

        // c ← 0 + (1/3)·Σ Δc = [1, 2, 3, 3]/3
        Near([1.0 / 3, 2.0 / 3, 1, 1], Values(strategy.ServerControlVariate!));
    }

    [Fact]
    public void AggregateTrain_rejects_a_reply_without_a_control_delta()
    {
        var strategy = new Scaffold();

        var error = Assert.Throws<AggregationException>(() => strategy.AggregateTrain(Round(), Global, Replies()));

        Assert.Equal("Round 1: site-a answered a SCAFFOLD round without its control-variate change Δcᵢ.", error.Message);
    }
}
