using Flip.Federated.Strategies;
using static Flip.Federated.Tests.Strategies.ThreeSites;

namespace Flip.Federated.Tests.Strategies;

public sealed class BaselineTests
{
    [Fact]
    public void LocalOnly_keeps_every_parameter_at_the_site_and_never_changes_the_global_model()
    {
        var strategy = new LocalOnly();

        var instructions = strategy.ConfigureTrain(Round(), Global);
        var result = strategy.AggregateTrain(Round(), Global, Replies());

        Assert.All(instructions, i => Assert.Equal(["w"], i.Config.LocalParameterNames));
        Assert.Equal([1f, 1, 1, 1], Values(result));
        Assert.Equal(1, strategy.MinTrainSites);
    }

    [Fact]
    public void Centralised_trains_only_the_pooled_site_and_takes_its_model()
    {
        var pooled = new SiteId("pooled");
        var strategy = new Centralised();
        var round = new RoundContext(1, 5, [A, B, pooled], new Random(0));

        var instructions = strategy.ConfigureTrain(round, Global);
        var result = strategy.AggregateTrain(round, Global, new TrainReplies([Reply(pooled, 16, 4, 3, 2, 1)], []));

        Assert.Equal([pooled], instructions.Select(i => i.Site));
        Assert.Equal([4f, 3, 2, 1], Values(result));
        Assert.Equal(3, strategy.ConfigureEvaluate(round, Global).Count);
    }

    [Fact]
    public void Centralised_without_a_pooled_site_says_how_to_add_one()
    {
        var error = Assert.Throws<AggregationException>(() => new Centralised().ConfigureTrain(Round(), Global));

        Assert.StartsWith("Round 1: the centralised baseline trains on the pooled site `pooled`", error.Message);
        Assert.NotNull(error.Fix);
    }

    [Fact]
    public void FedAvgFineTuned_aggregates_as_FedAvg_and_asks_sites_to_fine_tune_before_evaluating()
    {
        var strategy = new FedAvgFineTuned { FineTuneEpochs = 2, FineTuneLearningRate = 0.05 };

        Assert.Equal(FedAvgByHand, Values(strategy.AggregateTrain(Round(), Global, Replies())));
        Assert.All(strategy.ConfigureEvaluate(Round(), Global), i => Assert.Equal((2, 0.05), (i.Config.FineTuneEpochs, i.Config.FineTuneLearningRate)));
    }
}
