using Flip.Federated.Strategies;
using static Flip.Federated.Tests.Strategies.ThreeSites;

namespace Flip.Federated.Tests.Strategies;

public sealed class FedBNTests
{
    private static ParameterSet Model(float[] conv, float[] bn, long tracked)
        => ParameterSet.Create(
            ParameterArray.Float32("enc1.conv1.weight", conv),
            ParameterArray.Float32("enc1.bn1.weight", bn),
            ParameterArray.Int64("enc1.bn1.num_batches_tracked", [], [tracked]));

    [Theory]
    [InlineData("enc1.bn1.weight", true)]
    [InlineData("enc1.bn1.running_var", true)]
    [InlineData("enc1.bn1.num_batches_tracked", true)]
    [InlineData("layer1.0.batchnorm.bias", true)]
    [InlineData("blocks.2.GroupNorm.weight", true)]
    [InlineData("enc1.conv1.weight", false)]
    [InlineData("head.bias", false)]
    [InlineData("up3.weight", false)]
    public void IsNormalisationParameter_recognises_state_dict_keys(string key, bool expected)
        => Assert.Equal(expected, FedBN.IsNormalisationParameter(key));

    [Fact]
    public void AggregateTrain_averages_shared_layers_and_keeps_the_global_normalisation_layers()
    {
        // Given: the sites send the global values for bn (Site does this), and their own conv weights.
        var global = Model([1, 1, 1, 1], [7, 7, 7, 7], 3);
        var replies = new TrainReplies(
            [
                new TrainReply(A, new SiteUpdate(Model([1, 2, 3, 4], [7, 7, 7, 7], 3), ParameterKind.Full, 5, MetricSet.Empty)),
                new TrainReply(B, new SiteUpdate(Model([9, 10, 11, 12], [7, 7, 7, 7], 3), ParameterKind.Full, 2, MetricSet.Empty)),
                new TrainReply(C, new SiteUpdate(Model([0, -1, 5, 8], [7, 7, 7, 7], 3), ParameterKind.Full, 9, MetricSet.Empty)),
            ],
            []);

        var result = new FedBN().AggregateTrain(Round(), global, replies);

        // conv: FedAvg by hand = [1.4375, 1.3125, 5.125, 7.25]; bn and its counter: the global's, untouched.
        Assert.Equal(FedAvgByHand, Values(result, "enc1.conv1.weight"));
        Assert.Same(global["enc1.bn1.weight"], result["enc1.bn1.weight"]);
        Assert.Same(global["enc1.bn1.num_batches_tracked"], result["enc1.bn1.num_batches_tracked"]);
    }

    [Fact]
    public void ConfigureTrain_and_ConfigureEvaluate_name_the_local_layers()
    {
        var global = Model([1, 1, 1, 1], [7, 7, 7, 7], 3);
        var strategy = new FedBN();

        var train = strategy.ConfigureTrain(Round(), global);
        var evaluate = strategy.ConfigureEvaluate(Round(), global);

        Assert.All(train, i => Assert.Equal(["enc1.bn1.weight", "enc1.bn1.num_batches_tracked"], i.Config.LocalParameterNames));
        Assert.All(evaluate, i => Assert.Equal(["enc1.bn1.weight", "enc1.bn1.num_batches_tracked"], i.Config.LocalParameterNames));
    }

    [Fact]
    public void A_custom_predicate_chooses_the_local_layers()
    {
        var global = Model([1, 1, 1, 1], [7, 7, 7, 7], 3);

        var names = new FedBN { IsLocal = name => name.StartsWith("enc1.conv", StringComparison.Ordinal) }.LocalNames(global);

        Assert.Equal(["enc1.conv1.weight"], names);
    }
}
