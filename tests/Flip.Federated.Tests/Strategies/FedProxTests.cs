using Flip.Federated.Strategies;
using static Flip.Federated.Tests.Strategies.ThreeSites;

namespace Flip.Federated.Tests.Strategies;

public sealed class FedProxTests
{
    [Fact]
    public void ConfigureTrain_sends_mu_to_every_site()
    {
        var instructions = new FedProx { Mu = 0.25 }.ConfigureTrain(Round(), Global);

        Assert.All(instructions, i => Assert.Equal(0.25, i.Config.ProximalMu));
    }

    [Fact]
    public void AggregateTrain_is_FedAvg()
    {
        Assert.Equal(FedAvgByHand, Values(new FedProx().AggregateTrain(Round(), Global, Replies())));
    }

    [Fact]
    public void Validate_rejects_a_negative_mu()
    {
        Assert.Contains("Mu must be a finite number ≥ 0 (got -1).", new FedProx { Mu = -1 }.Validate());
    }
}
