using Flip.Federated.Simulations;

namespace Flip.Federated.Tests.Simulations;

public sealed class RunHealthTests
{
    private static MetricRecord Aggregated(int round, int sites) => new(round, MetricRecord.ServerSite, MetricRecord.RoundSplit, MetricNames.SitesAggregated, sites);

    private static MetricRecord Loss(int round, double loss) => new(round, MetricRecord.FederatedSite, MetricRecord.TestSplit, MetricNames.Loss, loss);

    [Fact]
    public void A_run_whose_every_round_aggregated_and_whose_loss_fell_is_healthy()
    {
        RunHealth health = RunHealth.Of([Loss(0, 1.7), Aggregated(1, 6), Loss(1, 1.2), Aggregated(2, 5), Loss(2, 0.9)]);

        Assert.True(health.IsHealthy);
        Assert.Empty(health.Problems);
        Assert.Equal((2, 1.7, 0.9), (health.RoundsRun, health.InitialLoss, health.FinalLoss));
    }

    [Fact]
    public void A_run_that_never_aggregated_says_its_numbers_are_the_initial_models()
    {
        // What the default simulate printed as "centralised": every round skipped, the loss flat at 1.6796.
        RunHealth health = RunHealth.Of([Loss(0, 1.6796), Aggregated(1, 0), Loss(1, 1.6796), Aggregated(2, 0), Loss(2, 1.6796)]);

        Assert.True(health.NeverAggregated);
        Assert.False(health.IsHealthy);
        Assert.Equal([1, 2], health.SkippedRounds);
        Assert.Equal(2, health.Problems.Count);
        Assert.Contains("no round aggregated anything (2 of 2 skipped)", health.Problems[0], StringComparison.Ordinal);
        Assert.Contains("did not fall (1.6796 before training, 1.6796 at the end)", health.Problems[1], StringComparison.Ordinal);
    }

    [Fact]
    public void One_skipped_round_is_named_even_when_the_loss_fell()
    {
        RunHealth health = RunHealth.Of([Loss(0, 1.7), Aggregated(1, 6), Loss(1, 1.2), Aggregated(2, 1), Aggregated(3, 0), Loss(3, 1.1)]);

        Assert.False(health.NeverAggregated);
        Assert.True(health.LossFell);
        Assert.False(health.IsHealthy);
        Assert.Equal("1 of 3 rounds aggregated nothing (rounds 3); the model was kept", Assert.Single(health.Problems));
    }

    [Fact]
    public void A_run_without_an_aggregated_loss_cannot_be_seen_to_train()
    {
        RunHealth health = RunHealth.Of([Aggregated(1, 6)]);

        Assert.False(health.LossFell);
        Assert.Equal("no aggregated test loss was recorded, so training cannot be seen to work", Assert.Single(health.Problems));
    }
}
