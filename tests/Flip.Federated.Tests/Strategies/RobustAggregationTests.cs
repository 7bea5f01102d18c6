using CsCheck;
using Flip.Federated.Strategies;
using static Flip.Federated.Tests.Strategies.ThreeSites;

namespace Flip.Federated.Tests.Strategies;

public sealed class RobustAggregationTests
{
    [Fact]
    public void FedMedian_takes_the_middle_value_of_each_coordinate()
    {
        // a = [1, 2, 3, 4], b = [9, 10, 11, 12], c = [0, −1, 5, 8] → medians [1, 2, 5, 8]; counts ignored.
        Assert.Equal([1f, 2, 5, 8], Values(new FedMedian().AggregateTrain(Round(), Global, Replies())));
    }

    [Fact]
    public void FedMedian_averages_the_two_middle_values_of_an_even_count()
    {
        var replies = new TrainReplies([Reply(A, 1, 1, 2, 3, 4), Reply(B, 1, 9, 10, 11, 12)], []);

        // (1 + 9)/2, (2 + 10)/2, …
        Assert.Equal([5f, 6, 7, 8], Values(new FedMedian().AggregateTrain(Round(), Global, replies)));
    }

    [Fact]
    public void TrimmedMean_with_beta_zero_is_the_unweighted_mean()
    {
        // (a + b + c)/3 = [10, 11, 19, 24]/3
        Near([10.0 / 3, 11.0 / 3, 19.0 / 3, 8], Values(new TrimmedMean { Beta = 0 }.AggregateTrain(Round(), Global, Replies())));
    }

    [Fact]
    public void TrimmedMean_drops_the_extremes_of_each_coordinate()
    {
        // β = 0.2 with five sites trims ⌊0.2·5⌋ = 1 from each end:
        // coordinate 0 of [1, 9, 0, 100, 2] → sorted [0, 1, 2, 9, 100] → mean(1, 2, 9) = 4
        var replies = new TrainReplies(
            [
                Reply(A, 1, 1, 0, 0, 0),
                Reply(B, 1, 9, 0, 0, 0),
                Reply(C, 1, 0, 0, 0, 0),
                Reply(new SiteId("site-d"), 1, 100, 0, 0, 0),
                Reply(new SiteId("site-e"), 1, 2, 0, 0, 6),
            ],
            []);

        Near([4, 0, 0, 0], Values(new TrimmedMean { Beta = 0.2 }.AggregateTrain(Round(), Global, replies)));
    }

    [Fact]
    public void FedMedian_and_TrimmedMean_ignore_site_order()
    {
        Gen.Float[-50f, 50f].Array[4].Array[3, 7].Select(Gen.Int[0, 5040]).Sample((values, seed) =>
        {
            var replies = values.Select((v, i) => Reply(new SiteId($"site-{i}"), 1, v)).ToList();
            var shuffled = replies.ToArray();
            new Random(seed).Shuffle(shuffled);
            var round = new RoundContext(1, 1, [.. replies.Select(r => r.Site)], new Random(0));

            foreach (Strategy strategy in new Strategy[] { new FedMedian(), new TrimmedMean { Beta = 0.2 } })
            {
                var forward = strategy.AggregateTrain(round, Global, new TrainReplies(replies, []));
                var backward = strategy.AggregateTrain(round, Global, new TrainReplies([.. shuffled], []));
                Assert.True(forward.ContentEquals(backward), strategy.Name);
            }
        });
    }

    [Fact]
    public void Krum_picks_the_site_closest_to_its_neighbours()
    {
        // n = 3, f = 0 → each site's score is its squared distance to its 1 nearest neighbour:
        //   ‖a − b‖² = 4·64 = 256; ‖a − c‖² = 1 + 9 + 4 + 16 = 30; ‖b − c‖² = 81 + 121 + 36 + 16 = 254
        //   s(a) = 30, s(b) = 254, s(c) = 30 → tie between a and c, the earlier (a) wins.
        var krum = new Krum();

        var result = krum.AggregateTrain(Round(), Global, Replies());

        Assert.Equal([1f, 2, 3, 4], Values(result));
        Assert.Equal([30.0, 254.0, 30.0], krum.LastScores.Select(s => s.Score));
    }

    [Fact]
    public void MultiKrum_averages_the_best_sites_by_example_count()
    {
        // m = 2 keeps a (5) and c (9): (5·[1, 2, 3, 4] + 9·[0, −1, 5, 8]) / 14 = [5, 1, 60, 92] / 14
        var result = new Krum { SelectCount = 2 }.AggregateTrain(Round(), Global, Replies());

        Near([5.0 / 14, 1.0 / 14, 60.0 / 14, 92.0 / 14], Values(result));
    }

    [Fact]
    public void Krum_needs_f_plus_three_replies()
    {
        var error = Assert.Throws<AggregationException>(() => new Krum { ByzantineSites = 1 }.AggregateTrain(Round(), Global, Replies()));

        Assert.Equal("Round 1: Krum with f = 1 Byzantine sites needs at least f + 3 = 4 replies, 3 answered.", error.Message);
    }
}
