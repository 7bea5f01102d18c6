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
