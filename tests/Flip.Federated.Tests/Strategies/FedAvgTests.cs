using Flip.Federated.Strategies;
using static Flip.Federated.Tests.Strategies.ThreeSites;

namespace Flip.Federated.Tests.Strategies;

public sealed class FedAvgTests
{
    [Fact]
    public void AggregateTrain_weights_each_site_by_its_example_count()
    {
        var result = new FedAvg().AggregateTrain(Round(), Global, Replies());

        // [23, 21, 82, 116] / 16, worked out in ThreeSites.
        Assert.Equal(FedAvgByHand, Values(result));
    }

    [Fact]
    public void AggregateTrain_adds_differences_to_the_global_model()
    {
        // Given site-a's update as a difference from the global ones: [0, 1, 2, 3] + 1 = [1, 2, 3, 4].
        var replies = Replies();
        var difference = new TrainReply(A, new SiteUpdate(Vector(0, 1, 2, 3), ParameterKind.Difference, 5, MetricSet.Empty));
        replies = replies with { Succeeded = [difference, replies.Succeeded[1], replies.Succeeded[2]] };

        var result = new FedAvg().AggregateTrain(Round(), Global, replies);

        Assert.Equal(FedAvgByHand, Values(result));
    }

    [Fact]
    public void AggregateTrain_throws_when_fewer_sites_answer_than_the_minimum()
    {
        var replies = new TrainReplies([Reply(A, 5, 1, 2, 3, 4)], [new SiteFailure(B, 1, "train", FailureCategory.Dropout, "injected dropout")]);

        var error = Assert.Throws<AggregationException>(() => new FedAvg { MinTrainSites = 2 }.AggregateTrain(Round(), Global, replies));

        Assert.Equal("Round 1: fedavg needs at least 2 sites to aggregate, 1 answered (failed: site-b (dropout)).", error.Message);
        Assert.Equal(ExitCodes.RunFailed, error.ExitCode);
    }

    [Fact]
    public void AggregateTrain_names_the_site_and_key_of_a_wrong_shape()
    {
        var global = ParameterSet.Create(ParameterArray.Float32("decoder.2.weight", [32, 32, 3, 3, 3], new float[32 * 32 * 27]));
        var wrong = ParameterSet.Create(ParameterArray.Float32("decoder.2.weight", [32, 16, 3, 3, 3], new float[32 * 16 * 27]));
        var replies = new TrainReplies(
            [
                new TrainReply(A, new SiteUpdate(global, ParameterKind.Full, 1, MetricSet.Empty)),
                new TrainReply(new SiteId("site-4"), new SiteUpdate(wrong, ParameterKind.Full, 1, MetricSet.Empty)),
            ],
            []);

        var error = Assert.Throws<ParameterLayoutException>(() => new FedAvg().AggregateTrain(Round(), global, replies));

        Assert.Equal("site-4 sent `decoder.2.weight` as [32,16,3,3,3], the global model has [32,32,3,3,3].", error.Message);
    }

    [Fact]
    public void AggregateTrain_throws_when_every_site_reports_zero_examples()
    {
        var replies = new TrainReplies([Reply(A, 0, 1, 2, 3, 4), Reply(B, 0, 9, 10, 11, 12)], []);

        var error = Assert.Throws<AggregationException>(() => new FedAvg().AggregateTrain(Round(), Global, replies));

        Assert.Contains("reported 0 training examples", error.Message);
    }

    [Fact]
    public void ConfigureTrain_samples_a_fraction_but_at_least_the_minimum_in_site_order()
    {
        var sites = Enumerable.Range(0, 10).Select(i => new SiteId($"site-{i}")).ToList();
        var strategy = new FedAvg { FractionTrain = 0.3, MinTrainSites = 4 };

        var chosen = strategy.ConfigureTrain(new RoundContext(1, 5, sites, new Random(3)), Global).Select(i => i.Site).ToList();
        var again = strategy.ConfigureTrain(new RoundContext(1, 5, sites, new Random(3)), Global).Select(i => i.Site).ToList();

        // ⌈0.3·10⌉ = 3 < minimum 4, so 4 sites, distinct, in site order, the same for the same seed.
        Assert.Equal(4, chosen.Distinct().Count());
        Assert.Equal(chosen.OrderBy(s => sites.IndexOf(s)), chosen);
        Assert.Equal(chosen, again);
    }

    [Fact]
    public void ConfigureTrain_sends_the_round_and_the_configured_epochs()
    {
        var strategy = new FedAvg { TrainConfig = new TrainConfig { LocalEpochs = 3, LearningRate = 0.5 } };

        var instructions = strategy.ConfigureTrain(Round(round: 7), Global);

        Assert.Equal([A, B, C], instructions.Select(i => i.Site));
        Assert.All(instructions, i => Assert.Equal((7, 3, 0.5), (i.Config.Round, i.Config.LocalEpochs, i.Config.LearningRate)));
    }

    [Fact]
    public void AggregateEvaluate_weights_metrics_by_held_out_examples()
    {
        // loss: (5·0.5 + 2·1.0 + 9·0.25) / 16 = (2.5 + 2 + 2.25) / 16 = 6.75 / 16 = 0.421875
        var replies = new EvaluateReplies(
            [
                new EvaluateReply(A, new SiteEvaluation(5, MetricSet.Of(("loss", 0.5)))),
                new EvaluateReply(B, new SiteEvaluation(2, MetricSet.Of(("loss", 1.0)))),
                new EvaluateReply(C, new SiteEvaluation(9, MetricSet.Of(("loss", 0.25)))),
            ],
            []);

        var federated = new FedAvg().AggregateEvaluate(Round(), replies);

        Assert.Equal(0.421875, federated["loss"]);
    }

    [Fact]
    public void Validate_returns_every_problem()
    {
        var problems = new FedAvg { FractionTrain = 0, MinTrainSites = 0, TrainConfig = new TrainConfig { LearningRate = -1 } }.Validate().ToList();

        Assert.Equal(
            [
                "FractionTrain must be in (0, 1] (got 0).",
                "MinTrainSites must be ≥ 1 (got 0).",
                "TrainConfig.LearningRate must be a finite number > 0 (got -1).",
            ],
            problems);
    }
}
