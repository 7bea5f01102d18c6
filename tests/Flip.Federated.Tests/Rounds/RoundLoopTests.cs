using Flip.Federated.Rounds;
using Flip.Federated.Simulations;
using Flip.Federated.Strategies;

namespace Flip.Federated.Tests.Rounds;

/// <summary>
/// The one round loop, over a grid written here: what it decides is the same whatever transport delivers the messages
/// (the simulation, the Fleet server, a SuperLink and the legacy server are grids of it, tested in their own projects).
/// </summary>
public sealed class RoundLoopTests
{
    private static readonly ParameterSet Initial = ParameterSet.Create(ParameterArray.Float32("w", 0f, 0f));

    [Fact]
    public async Task Replies_arriving_in_any_order_give_the_same_rows_seeds_and_model()
    {
        var inOrder = new ScriptedGrid(4, reverse: false);
        var reversed = new ScriptedGrid(4, reverse: true);

        RunResult a = await new RoundLoop(inOrder, new FedAvg(), new RoundLoopOptions { Rounds = 3, Seed = 5 }).RunAsync(Initial);
        RunResult b = await new RoundLoop(reversed, new FedAvg(), new RoundLoopOptions { Rounds = 3, Seed = 5 }).RunAsync(Initial);

        Assert.Equal(a.Metrics, b.Metrics); // rows in instruction order, whatever order the replies came in
        Assert.Equal(inOrder.Seeds, reversed.Seeds);
        Assert.Equal(4 * 3, inOrder.Seeds.Count);
        Assert.Equal(inOrder.Seeds.Count, inOrder.Seeds.Distinct().Count()); // every site, every round: a seed of its own
        Assert.True(a.FinalParameters.ContentEquals(b.FinalParameters));
        // The example-weighted mean of site i's update w + i (i = 1..4, weights i): Σ i² / Σ i = 3 per round.
        Assert.Equal(9f, a.FinalParameters["w"].GetDouble(0), 4);
        Assert.All(a.Metrics.Where(m => m.Metric == MetricNames.SitesAggregated), m => Assert.Equal(4, m.Value));
    }

    [Fact]
    public async Task A_site_keeps_its_seed_when_the_strategy_samples_others()
    {
        var all = new ScriptedGrid(6, reverse: false);
        var half = new ScriptedGrid(6, reverse: false);

        await new RoundLoop(all, new FedAvg(), new RoundLoopOptions { Rounds = 2, Seed = 3 }).RunAsync(Initial);
        await new RoundLoop(half, new FedAvg { FractionTrain = 0.5 }, new RoundLoopOptions { Rounds = 2, Seed = 3 }).RunAsync(Initial);

        Assert.Equal(6, half.Seeds.Count);
        Assert.All(half.Seeds, seed => Assert.Equal(all.Seeds[seed.Key], seed.Value));
    }

    [Fact]
    public async Task A_non_finite_update_is_refused_and_a_round_left_with_too_few_is_visibly_skipped()
    {
        var grid = new ScriptedGrid(3, reverse: false) { NonFinite = [new SiteId("site-2"), new SiteId("site-3")] };

        RunResult skipped = await new RoundLoop(grid, new FedAvg { MinTrainSites = 2 }, new RoundLoopOptions { Rounds = 2 }).RunAsync(Initial);

        Assert.All(skipped.Metrics.Where(m => m.Metric == MetricNames.SitesAggregated), m => Assert.Equal(0, m.Value));
        Assert.True(skipped.FinalParameters.ContentEquals(Initial), "a skipped round must keep the global model");
        Assert.Equal(4, skipped.Failures.Count(f => f.Category == FailureCategory.InvalidReply && f.Reason.Contains("non-finite", StringComparison.Ordinal)));
        Assert.DoesNotContain(skipped.Metrics, m => m.Split == MetricRecord.TrainSplit && m.Site != "site-1");

        var failing = new ScriptedGrid(3, reverse: false) { NonFinite = [new SiteId("site-2"), new SiteId("site-3")] };
        var error = await Assert.ThrowsAsync<AggregationException>(() =>
            new RoundLoop(failing, new FedAvg { MinTrainSites = 2 }, new RoundLoopOptions { Rounds = 2, OnTooFewSites = TooFewSitesPolicy.Fail }).RunAsync(Initial));
        Assert.Contains("1 answered (failed: site-2 (invalidreply), site-3 (invalidreply))", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Early_stopping_and_the_initial_evaluation_are_the_loop_s_for_every_grid()
    {
        var grid = new ScriptedGrid(2, reverse: false) { ConstantLoss = true };

        RunResult result = await new RoundLoop(grid, new FedAvg(), new RoundLoopOptions
        {
            Rounds = 10,
            EvaluateInitialModel = true,
            EarlyStopping = new EarlyStopping { Metric = MetricNames.Loss, Patience = 2 },
        }).RunAsync(Initial);

        Assert.Contains(result.Metrics, m => m.Round == 0 && m.Site == MetricRecord.FederatedSite && m.Metric == MetricNames.Loss);
        Assert.True(result.StoppedEarly);
        Assert.Equal(2, result.RoundsCompleted); // round 0 sets the best loss; rounds 1 and 2 do not improve it
    }

    /// <summary>Site i (1-based) answers w + i with i examples, in instruction order or reversed; records the seeds it was sent.</summary>
    private sealed class ScriptedGrid(int sites, bool reverse) : ISiteGrid
    {
        public Dictionary<(int Round, string Site), int> Seeds { get; } = [];

        public IReadOnlyCollection<SiteId> NonFinite { get; init; } = [];

        public bool ConstantLoss { get; init; }

        public Task<IReadOnlyList<SiteId>> SitesAsync(int round, int minimum, CancellationToken ct)
            => Task.FromResult<IReadOnlyList<SiteId>>([.. Enumerable.Range(1, sites).Select(i => new SiteId($"site-{i}"))]);

        public Task TrainAsync(int round, ParameterSet global, IReadOnlyList<TrainInstruction> instructions, Func<TrainReply, string?> accept, List<SiteFailure> failures, CancellationToken ct)
        {
            foreach (TrainInstruction instruction in reverse ? instructions.Reverse() : instructions)
            {
                Seeds[(round, instruction.Site.Value)] = instruction.Config.Seed;
                int i = int.Parse(instruction.Site.Value["site-".Length..], System.Globalization.CultureInfo.InvariantCulture);
                float value = NonFinite.Contains(instruction.Site) ? float.NaN : (float)global["w"].GetDouble(0) + i;
                var update = new SiteUpdate(ParameterSet.Create(ParameterArray.Float32("w", value, value)), ParameterKind.Full, i, MetricSet.From([KeyValuePair.Create("loss", 1.0 / i)]));
                if (accept(new TrainReply(instruction.Site, update)) is { } problem)
                {
                    failures.Add(new SiteFailure(instruction.Site, round, "train", FailureCategory.InvalidReply, problem));
                }
            }

            return Task.CompletedTask;
        }

        public Task EvaluateAsync(int round, ParameterSet global, IReadOnlyList<EvaluateInstruction> instructions, Func<EvaluateReply, string?> accept, List<SiteFailure> failures, CancellationToken ct)
        {
            foreach (EvaluateInstruction instruction in reverse ? instructions.Reverse() : instructions)
            {
                double loss = ConstantLoss ? 1 : 1 / (1 + global["w"].GetDouble(0));
                accept(new EvaluateReply(instruction.Site, new SiteEvaluation(10, MetricSet.From([KeyValuePair.Create("loss", loss)]))));
            }

            return Task.CompletedTask;
        }
    }
}
