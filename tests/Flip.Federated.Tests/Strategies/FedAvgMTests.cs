using Flip.Federated.Strategies;
using static Flip.Federated.Tests.Strategies.ThreeSites;

namespace Flip.Federated.Tests.Strategies;

public sealed class FedAvgMTests
{
    [Fact]
    public void AggregateTrain_steps_along_the_momentum_of_the_pseudo_gradient()
    {
        // Given η = 1, β = 0.9 and the FedAvg result avg = [1.4375, 1.3125, 5.125, 7.25].
        var strategy = new FedAvgM { ServerLearningRate = 1, Momentum = 0.9 };

        // Round 1: Δ = x − avg = [−0.4375, −0.3125, −4.125, −6.25]; v = Δ; x₁ = x − v = avg.
        var first = strategy.AggregateTrain(Round(1), Global, Replies());
        Assert.Equal(FedAvgByHand, Values(first));

        // Round 2, same replies: Δ = x₁ − avg = 0; v = 0.9·v + 0; x₂ = avg − 0.9·(x − avg)
        //   = [1.4375 + 0.39375, 1.3125 + 0.28125, 5.125 + 3.7125, 7.25 + 5.625]
        //   = [1.83125, 1.59375, 8.8375, 12.875]
        var second = strategy.AggregateTrain(Round(2), first, Replies());
        Near([1.83125, 1.59375, 8.8375, 12.875], Values(second), 1e-5);
    }

    [Fact]
    public void ExportState_and_ImportState_continue_the_momentum()
    {
        var original = new FedAvgM();
        var first = original.AggregateTrain(Round(1), Global, Replies());
        var restored = new FedAvgM();
        restored.ImportState(original.ExportState()!);

        var expected = original.AggregateTrain(Round(2), first, Replies());
        var actual = restored.AggregateTrain(Round(2), first, Replies());

        Assert.True(expected.ContentEquals(actual));
    }
}

public sealed class ServerOptimiserRunningStatisticsTests
{
    public static TheoryData<string> ServerOptimisers() => ["fedavgm", "fedadam", "fedyogi", "fedadagrad"];

    private static Strategy Create(string name) => name switch
    {
        "fedavgm" => new FedAvgM(),
        "fedadam" => new FedAdam(),
        "fedyogi" => new FedYogi(),
        _ => new FedAdagrad(),
    };

    // A weight and BatchNorm's running variance and step counter; site-a and site-b (examples 1 and 3).
    private static ParameterSet Set(float weight, float variance, long steps) => ParameterSet.Create(
        ParameterArray.Float32("conv.weight", weight),
        ParameterArray.Float32("bn.running_var", variance),
        ParameterArray.Int64("bn.num_batches_tracked", [1], [steps]));

    private static TrainReplies Replies(ParameterSet a, ParameterSet b) => new(
        [
            new TrainReply(ThreeSites.A, new SiteUpdate(a, ParameterKind.Full, 1, MetricSet.Empty)),
            new TrainReply(ThreeSites.B, new SiteUpdate(b, ParameterKind.Full, 3, MetricSet.Empty)),
        ],
        []);

    [Theory]
    [MemberData(nameof(ServerOptimisers))]
    public void The_server_step_moves_weights_and_running_statistics_take_the_sites_average(string name)
    {
        // Given: three rounds in which the sites lower the running variance from 1.0 to 0.2 and 0.6 (average 0.5): the
        // pseudo-gradient of the variance is −0.5 every round; momentum or an adaptive step would carry it below 0.
        Strategy strategy = Create(name);
        ParameterSet global = Set(0, 1, 0);
        for (int round = 1; round <= 3; round++)
        {
            ParameterSet a = Set(1, 0.2f, 10 * round);
            ParameterSet b = Set(1, 0.6f, 10 * round);

            global = strategy.AggregateTrain(ThreeSites.Round(round, totalSites: 2), global, Replies(a, b));

            // Then: the statistics are the example-weighted average (0.25·0.2 + 0.75·0.6 = 0.5; the counter 10·round) …
            Assert.Equal(0.5f, global["bn.running_var"].AsFloat32().Span[0], 1e-6f);
            Assert.Equal(10L * round, global["bn.num_batches_tracked"].AsInt64().Span[0]);
        }

        // … while the weight was stepped by the optimiser: not left at the start, and not simply the average (1) for FedAvgM.
        float weight = global["conv.weight"].AsFloat32().Span[0];
        Assert.True(weight > 0, $"{name}: the weight did not move towards the sites' 1 ({weight})");
        if (name == "fedavgm")
        {
            Assert.NotEqual(1f, weight);
        }
    }
}
