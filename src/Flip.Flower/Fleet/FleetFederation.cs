using Flip.Federated;
using Flip.Federated.Simulations;
using Flip.Federated.Strategies;
using Flip.Flower.Records;
using FederatedMetricRecord = Flip.Federated.Simulations.MetricRecord;
using FlowerMetricRecord = Flip.Flower.Records.MetricRecord;

namespace Flip.Flower.Fleet;

/// <summary>
/// Drives a <see cref="Strategy"/> round by round over the nodes connected to a <see cref="FleetService"/>:
/// the server side of a real deployment, with the same strategies and metric records as the simulation.
/// </summary>
/// <remarks>
/// Each node is a site named <c>node-&lt;id&gt;</c>. A node that replies with an error, or not before
/// <see cref="FleetFederationOptions.RoundDeadline"/>, becomes a <see cref="SiteFailure"/> and the strategy's
/// <c>MinTrainSites</c> decides whether the round aggregates.
/// </remarks>
public sealed class FleetFederation
{
    private readonly FleetService _fleet;
    private readonly ulong _runId;
    private readonly Strategy _strategy;
    private readonly FleetFederationOptions _options;

    /// <summary>Creates the driver.</summary>
    /// <param name="fleet">The Fleet API the nodes are connected to.</param>
    /// <param name="runId">The run the instructions belong to (started on <paramref name="fleet"/>).</param>
    /// <param name="strategy">The strategy.</param>
    /// <param name="options">Rounds, minimum nodes, deadlines; <see langword="null"/> for defaults.</param>
    public FleetFederation(FleetService fleet, ulong runId, Strategy strategy, FleetFederationOptions? options = null)
    {
        _fleet = fleet;
        _runId = runId;
        _strategy = strategy;
        _options = options ?? new FleetFederationOptions();
    }

    /// <summary>Waits for the nodes, then runs every round.</summary>
    /// <param name="initial">The initial global model.</param>
    /// <param name="progress">Receives a report after every round.</param>
    /// <param name="ct">Stops the run.</param>
    /// <returns>The final model, the long-format metrics and the failures.</returns>
    /// <exception cref="FlipException">Too few nodes came online in time.</exception>
    public async Task<RunResult> RunAsync(ParameterSet initial, IProgress<RoundReport>? progress = null, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(initial);
        IReadOnlyList<ulong> nodes = await WaitForNodesAsync(ct).ConfigureAwait(false);
        var siteIds = nodes.Select(SiteOf).ToList();
        var metrics = new List<FederatedMetricRecord>();
        var failures = new List<SiteFailure>();
        ParameterSet global = initial;
        for (int round = 1; round <= _options.Rounds; round++)
        {
            long started = System.Diagnostics.Stopwatch.GetTimestamp();
            var context = new RoundContext(round, _options.Rounds, siteIds, new Random(Seeds.Derive(_options.Seed, round, 1)));
            var trainInstructions = _strategy.ConfigureTrain(context, global);
            var sent = trainInstructions.Select((instruction, i) => (instruction.Site, Id: _fleet.SendInstruction(NodeOf(instruction.Site), _runId, "train", new RecordDict
            {
                { RecordKeys.Arrays, global.ToArrayRecord() },
                { RecordKeys.Config, SiteFlowerApp.ToConfigRecord(instruction.Config with { Seed = Seeds.Derive(_options.Seed, round, 3, i) }, round) },
            }))).ToList();
            var succeeded = new List<TrainReply>();
            var roundFailures = new List<SiteFailure>();
            foreach (var (site, id) in sent)
            {
                FlowerMessage? reply = await ReplyAsync(id, ct).ConfigureAwait(false);
                if (reply?.Content is { } content && content.TryGet(RecordKeys.Arrays, out ArrayRecord? arrays))
                {
                    var (values, examples) = Read(content);
                    succeeded.Add(new TrainReply(site, new SiteUpdate(arrays.ToParameterSet(global.Layout), ParameterKind.Full, examples, values)));
                    foreach (var (name, value) in values)
                    {
                        metrics.Add(new FederatedMetricRecord(round, site.Value, FederatedMetricRecord.TrainSplit, name, value));
                    }
                }
                else
                {
                    roundFailures.Add(Failure(site, round, "train", reply));
                }
            }

            bool skipped = succeeded.Count < Math.Max(1, _strategy.MinTrainSites);
            if (!skipped)
            {
                global = _strategy.AggregateTrain(context, global, new TrainReplies(succeeded, roundFailures));
            }

            var evaluateInstructions = _strategy.ConfigureEvaluate(context, global);
            var evaluations = new List<EvaluateReply>();
            var evaluateSent = evaluateInstructions.Select(instruction => (instruction.Site, Id: _fleet.SendInstruction(NodeOf(instruction.Site), _runId, "evaluate", new RecordDict
            {
                { RecordKeys.Arrays, global.ToArrayRecord() },
                { RecordKeys.Config, SiteFlowerApp.ToConfigRecord(instruction.Config, round) },
            }))).ToList();
            foreach (var (site, id) in evaluateSent)
            {
                FlowerMessage? reply = await ReplyAsync(id, ct).ConfigureAwait(false);
                if (reply?.Content is { } content && content.TryGet(RecordKeys.Metrics, out FlowerMetricRecord? _))
                {
                    var (values, examples) = Read(content);
                    evaluations.Add(new EvaluateReply(site, new SiteEvaluation(examples, values)));
                    foreach (var (name, value) in values)
                    {
                        metrics.Add(new FederatedMetricRecord(round, site.Value, FederatedMetricRecord.TestSplit, name, value));
                    }
                }
                else
                {
                    roundFailures.Add(Failure(site, round, "evaluate", reply));
                }
            }

            MetricSet federated = _strategy.AggregateEvaluate(context, new EvaluateReplies(evaluations, [.. roundFailures.Where(f => f.Step == "evaluate")]));
            foreach (var (name, value) in federated)
            {
                metrics.Add(new FederatedMetricRecord(round, FederatedMetricRecord.FederatedSite, FederatedMetricRecord.TestSplit, name, value));
            }

            metrics.Add(new FederatedMetricRecord(round, FederatedMetricRecord.ServerSite, FederatedMetricRecord.RoundSplit, MetricNames.SitesAggregated, skipped ? 0 : succeeded.Count));
            metrics.Add(new FederatedMetricRecord(round, FederatedMetricRecord.ServerSite, FederatedMetricRecord.RoundSplit, MetricNames.SitesFailed, roundFailures.Count));
            failures.AddRange(roundFailures);
            progress?.Report(new RoundReport(round, _options.Rounds, skipped ? 0 : succeeded.Count, roundFailures, skipped, federated,
                System.Diagnostics.Stopwatch.GetElapsedTime(started), [.. metrics.Where(m => m.Round == round)]));
        }

        return new RunResult(global, metrics, failures, _options.Rounds, false, null);
    }

    /// <summary>The site id a node has in metrics: <c>node-&lt;id&gt;</c>.</summary>
    /// <param name="nodeId">The Fleet node id.</param>
    /// <returns>The site id.</returns>
    public static SiteId SiteOf(ulong nodeId) => new(SiteFlowerApp.Invariant($"node-{nodeId}"));

    private static ulong NodeOf(SiteId site) => ulong.Parse(site.Value.AsSpan("node-".Length), System.Globalization.CultureInfo.InvariantCulture);

    private async Task<IReadOnlyList<ulong>> WaitForNodesAsync(CancellationToken ct)
    {
        using var wait = CancellationTokenSource.CreateLinkedTokenSource(ct);
        wait.CancelAfter(_options.NodeWait);
        while (_fleet.OnlineNodes().Count < _options.MinNodes)
        {
            try
            {
                await Task.Delay(TimeSpan.FromMilliseconds(100), wait.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (!ct.IsCancellationRequested)
            {
                throw new FlipException(SiteFlowerApp.Invariant($"only {_fleet.OnlineNodes().Count} of the {_options.MinNodes} nodes needed came online within {_options.NodeWait}."),
                    ExitCodes.RunFailed, "start more hospital nodes with 'flip-research client', or lower the minimum.");
            }
        }

        return [.. _fleet.OnlineNodes().Order()];
    }

    private async Task<FlowerMessage?> ReplyAsync(string id, CancellationToken ct)
    {
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(ct);
        deadline.CancelAfter(_options.RoundDeadline);
        try
        {
            return await _fleet.WaitForReplyAsync(id, deadline.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (!ct.IsCancellationRequested)
        {
            return null;
        }
    }

    private static (MetricSet Values, long Examples) Read(RecordDict content)
    {
        if (!content.TryGet(RecordKeys.Metrics, out FlowerMetricRecord? record))
        {
            return (MetricSet.Empty, 0);
        }

        long examples = record.TryGetValue(RecordKeys.NumExamples, out RecordValue? n) ? (long)n.ToDouble() : 0;
        var values = record.Where(item => item.Key != RecordKeys.NumExamples).Select(item => KeyValuePair.Create(item.Key, item.Value.ToDouble()));
        return (MetricSet.From(values), examples);
    }

    private static SiteFailure Failure(SiteId site, int round, string step, FlowerMessage? reply)
        => reply is null
            ? new SiteFailure(site, round, step, FailureCategory.Timeout, "no reply before the round deadline")
            : new SiteFailure(site, round, step, reply.Error is null ? FailureCategory.InvalidReply : FailureCategory.Trainer,
                reply.Error is null ? "reply without the expected records" : SiteFlowerApp.Invariant($"error code {reply.Error.Code}"));
}
