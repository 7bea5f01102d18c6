using Flip.Federated.Strategies;

namespace Flip.Federated.Tests.Strategies;

/// <summary>The streaming train aggregation gives the batch result and holds no update between replies.</summary>
public sealed class StreamingAggregationTests
{
    private static ParameterSet Update(int seed)
    {
        var random = new Random(seed);
        return ParameterSet.Create(
            ParameterArray.Float32("w", [3, 7], [.. Enumerable.Range(0, 21).Select(_ => (float)random.NextDouble() - 0.5f)]),
            ParameterArray.Float64("scale", [2], [random.NextDouble(), random.NextDouble()]),
            ParameterArray.Int64("bn.num_batches_tracked", [], [seed * 10]));
    }

    private static List<TrainReply> Replies(ParameterSet global) =>
    [
        .. Enumerable.Range(1, 6).Select(i => new TrainReply(new SiteId($"site-{i}"),
            new SiteUpdate(i == 3 ? ParameterMath.Subtract(Update(i), global) : Update(i), i == 3 ? ParameterKind.Difference : ParameterKind.Full, 16 * i, MetricSet.Empty))),
    ];

    private static void AssertClose(ParameterSet expected, ParameterSet actual)
    {
        Assert.Equal(expected.Layout, actual.Layout);
        for (int a = 0; a < expected.Count; a++)
        {
            for (int j = 0; j < expected[a].Length; j++)
            {
                Assert.Equal(expected[a].GetDouble(j), actual[a].GetDouble(j), 5e-6);
            }
        }
    }

    [Theory]
    [InlineData("fedavg")]
    [InlineData("fedavgm")]
    [InlineData("fedadam")]
    public void FedAvg_family_streams_and_matches_the_batch_aggregation(string name)
    {
        Strategy Make() => name switch { "fedavg" => new FedAvg(), "fedavgm" => new FedAvgM(), _ => new FedAdam() };
        var global = Update(0);
        var round = new RoundContext(1, 3, [.. Enumerable.Range(1, 6).Select(i => new SiteId($"site-{i}"))], new Random(1));
        var replies = Replies(global);
        ParameterSet batch = Make().AggregateTrain(round, global, new TrainReplies(replies, []));

        TrainAggregator streaming = Make().StartTrainAggregation(round, global);
        foreach (TrainReply reply in replies)
        {
            streaming.Add(reply);
            Assert.Equal(0, streaming.HeldUpdates);
        }

        ParameterSet result = streaming.Finish([]);

        Assert.True(streaming.Streams);
        Assert.Equal(1, streaming.PeakHeldUpdates);
        Assert.Equal(6, streaming.Count);
        AssertClose(batch, result);
    }

    [Fact]
    public void Krum_and_the_median_keep_every_update_and_say_so()
    {
        var global = Update(0);
        var round = new RoundContext(1, 3, [.. Enumerable.Range(1, 6).Select(i => new SiteId($"site-{i}"))], new Random(1));
        foreach (Strategy strategy in new Strategy[] { new FedMedian(), new Krum(), new TrimmedMean(), new FedBN() })
        {
            TrainAggregator buffered = strategy.StartTrainAggregation(round, global);
            foreach (TrainReply reply in Replies(global))
            {
                buffered.Add(reply);
            }

            Assert.False(buffered.Streams);
            Assert.Equal(6, buffered.PeakHeldUpdates);
            buffered.Finish([]);
            Assert.Equal(0, buffered.HeldUpdates);
        }
    }

    [Fact]
    public void A_reply_of_another_layout_is_refused_and_too_few_replies_fail_the_round()
    {
        var global = Update(0);
        var round = new RoundContext(2, 3, [new SiteId("site-1"), new SiteId("site-2")], new Random(1));
        TrainAggregator streaming = new FedAvg().StartTrainAggregation(round, global);
        var wrong = ParameterSet.Create(ParameterArray.Float32("w", [7, 3], new float[21]), global[1], global[2]);

        var error = Assert.Throws<ParameterLayoutException>(() => streaming.Add(new TrainReply(new SiteId("site-9"), new SiteUpdate(wrong, ParameterKind.Full, 5, MetricSet.Empty))));
        Assert.Contains("site-9", error.Message);
        streaming.Add(new TrainReply(new SiteId("site-1"), new SiteUpdate(Update(1), ParameterKind.Full, 5, MetricSet.Empty)));

        Assert.Throws<AggregationException>(() => streaming.Finish([]));
    }
}
