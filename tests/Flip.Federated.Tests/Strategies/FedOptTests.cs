using Flip.Federated.Strategies;
using static Flip.Federated.Tests.Strategies.ThreeSites;

namespace Flip.Federated.Tests.Strategies;

public sealed class FedOptTests
{
    // Common to the three, one round from x = [1, 1, 1, 1] with η = 0.1, τ = 1e-3 (v₋₁ = τ² = 1e-6):
    //   Δ = avg − x = [0.4375, 0.3125, 4.125, 6.25]
    // FedAdam (β₁ 0.9, β₂ 0.99): m = 0.1Δ; v = 0.99e-6 + 0.01Δ²; x + 0.1·m/(√v + τ)
    //   e.g. element 0: m = 0.04375, v = 0.99e-6 + 0.0019140625 = 0.0019150525,
    //   √v = 0.0437613, x = 1 + 0.1·0.04375/0.0447613 = 1.097740654
    // FedYogi: v = 1e-6 − 0.01Δ²·sign(1e-6 − Δ²) = 1e-6 + 0.01Δ² (slightly larger than Adam's v)
    // FedAdagrad (β₁ 0): m = Δ; v = 1e-6 + Δ²; element 0: 1 + 0.1·0.4375/(0.43750114 + 0.001) = 1.099771690
    [Fact]
    public void FedAdam_matches_the_hand_computed_step()
        => Near([1.097740654, 1.096851667, 1.099757873, 1.099840129], Values(new FedAdam().AggregateTrain(Round(), Global, Replies())));

    [Fact]
    public void FedYogi_matches_the_hand_computed_step()
        => Near([1.097740405, 1.096851187, 1.099757870, 1.099840128], Values(new FedYogi().AggregateTrain(Round(), Global, Replies())));

    [Fact]
    public void FedAdagrad_matches_the_hand_computed_step()
        => Near([1.099771690, 1.099680512, 1.099975761, 1.099984001], Values(new FedAdagrad().AggregateTrain(Round(), Global, Replies())));

    [Fact]
    public void ExportState_and_ImportState_continue_the_moments()
    {
        var original = new FedYogi();
        var first = original.AggregateTrain(Round(1), Global, Replies());
        var restored = new FedYogi();
        restored.ImportState(original.ExportState()!);

        Assert.True(original.AggregateTrain(Round(2), first, Replies()).ContentEquals(restored.AggregateTrain(Round(2), first, Replies())));
    }

    [Fact]
    public void Validate_lists_each_bad_hyper_parameter()
    {
        var problems = new FedAdam { ServerLearningRate = 0, Beta1 = 1, Beta2 = -0.5, Tau = 0 }.Validate().ToList();

        Assert.Equal(
            [
                "ServerLearningRate must be a finite number > 0 (got 0).",
                "Beta1 must be in [0, 1) (got 1).",
                "Beta2 must be in [0, 1) (got -0.5).",
                "Tau must be a finite number > 0 (got 0).",
            ],
            problems);
    }
}
