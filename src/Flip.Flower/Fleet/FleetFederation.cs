using Flip.Federated;
using Flip.Federated.Rounds;
using Flip.Federated.Runs;
using Flip.Federated.SecureAggregation;
using Flip.Federated.Simulations;
using Flip.Federated.Strategies;
using Flip.Flower.Records;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using FlowerMetricRecord = Flip.Flower.Records.MetricRecord;

namespace Flip.Flower.Fleet;

/// <summary>
/// Drives a <see cref="Strategy"/> round by round over the nodes of a <see cref="IMessageGrid"/> (a <see cref="FleetService"/>
/// the nodes connect to, or a Flower SuperLink through <see cref="ServerAppIoGrid"/>): the server side of a real
/// deployment, with the one <see cref="RoundLoop"/> the simulation runs (same strategies, seeds, metric records, skipped rounds).
/// </summary>
/// <remarks>
/// <para>This class is the loop's <see cref="ISiteGrid"/> over Flower messages. Each node is a site named <c>node-&lt;id&gt;</c>.
/// Every round samples from the nodes online at its start, so a node that restarts (same key, same id) takes part again in
/// the next round.</para>
/// <para>Replies are awaited together against one deadline per step (<see cref="FleetFederationOptions.RoundDeadline"/>)
/// and handed to the loop as they arrive, which folds them into the aggregation (a running weighted sum for the FedAvg
/// family). Each update is checked first (<see cref="UpdateValidator"/>: arrays, dtype, shape, finite values; oversize
/// replies are refused by the service). A node that errs, sends a malformed update or misses the deadline becomes a
/// <see cref="SiteFailure"/>, and the strategy's <c>MinTrainSites</c> decides whether the round aggregates with the others.
/// SecAgg+ rounds (<see cref="SecureFedAvg"/>) take their own train step (<see cref="SecureFleetRound"/>).</para>
/// <para>With a <see cref="RunStore"/>, each round is committed (global model, strategy state, metrics,
/// failures), and <see cref="ResumeAsync"/> continues a run after a server restart.</para>
/// </remarks>
public sealed class FleetFederation : ISiteGrid, ISecureAggregationGrid
{
    private readonly IMessageGrid _fleet;
    private readonly ulong _runId;
    private readonly Strategy _strategy;
    private readonly FleetFederationOptions _options;
    private readonly ILogger _logger;
    private readonly RoundLoop _loop;

    /// <summary>Creates the driver.</summary>
    /// <param name="fleet">The grid of nodes: the Fleet API they are connected to, or a SuperLink's ServerAppIo API.</param>
    /// <param name="runId">The run the instructions belong to (started on <paramref name="fleet"/>).</param>
    /// <param name="strategy">The strategy.</param>
    /// <param name="options">Rounds, minimum nodes, deadlines; <see langword="null"/> for defaults.</param>
    /// <param name="logger">Where dropped nodes and refused updates are logged; <see langword="null"/> for none.</param>
    public FleetFederation(IMessageGrid fleet, ulong runId, Strategy strategy, FleetFederationOptions? options = null, ILogger? logger = null)
    {
        _fleet = fleet;
        _runId = runId;
        _strategy = strategy;
        _options = options ?? new FleetFederationOptions();
        _logger = logger ?? NullLogger.Instance;
        _loop = new RoundLoop(this, strategy, new RoundLoopOptions { Rounds = _options.Rounds, Seed = _options.Seed, MinSites = _options.MinNodes }, _logger);
    }

    /// <summary>The last reply handed to the strategy (tests check that it is garbage once handled).</summary>
    internal WeakReference<FlowerMessage>? LastHandledReply { get; private set; }

    /// <summary>Called after each collection that <see cref="FleetFederationOptions.CollectAfterEachUpdate"/> asks for (tests).</summary>
    internal Action? AfterCollection { get; set; }

    /// <summary>The most site updates the train aggregation held at once in any round (1 when it streams).</summary>
    public int PeakHeldUpdates => _loop.PeakHeldUpdates;

    /// <summary>Waits for the nodes, then runs every round, in memory.</summary>
    /// <param name="initial">The initial global model.</param>
    /// <param name="progress">Receives a report after every round.</param>
    /// <param name="ct">Stops the run.</param>
    /// <returns>The final model, the long-format metrics and the failures.</returns>
    /// <exception cref="FlipException">Too few nodes came online in time.</exception>
    public Task<RunResult> RunAsync(ParameterSet initial, IProgress<RoundReport>? progress = null, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(initial);
        return _loop.RunAsync(initial, null, progress, ct);
    }

    /// <summary>Runs every round, committing each to a run store (round 0 = the initial model).</summary>
    /// <param name="initial">The initial global model.</param>
    /// <param name="store">The new run's store.</param>
    /// <param name="progress">Receives a report after every round.</param>
    /// <param name="ct">Stops the run.</param>
    /// <returns>The final model, the long-format metrics and the failures.</returns>
    /// <exception cref="FlipException">Too few nodes came online in time.</exception>
    public Task<RunResult> RunAsync(ParameterSet initial, RunStore store, IProgress<RoundReport>? progress = null, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(initial);
        ArgumentNullException.ThrowIfNull(store);
        return _loop.RunAsync(initial, store, progress, ct);
    }

    /// <summary>Continues a run from its last committed round: global model, strategy state, metrics and failures come from the store.</summary>
    /// <param name="store">The run's store.</param>
    /// <param name="progress">Receives a report after every round.</param>
    /// <param name="ct">Stops the run.</param>
    /// <returns>The result of the whole run, including the rounds before the restart.</returns>
    /// <exception cref="RunStoreException">The store holds no committed round, or a file is malformed.</exception>
    /// <exception cref="CorruptFileException">A checkpoint's bytes changed since it was written.</exception>
    public Task<RunResult> ResumeAsync(RunStore store, IProgress<RoundReport>? progress = null, CancellationToken ct = default) => _loop.ResumeAsync(store, progress, ct);

    /// <summary>The site id a node has in metrics: <c>node-&lt;id&gt;</c>.</summary>
    /// <param name="nodeId">The Fleet node id.</param>
    /// <returns>The site id.</returns>
    public static SiteId SiteOf(ulong nodeId) => new(SiteFlowerApp.Invariant($"node-{nodeId}"));

    /// <summary>The Fleet node id of a site id <see cref="SiteOf"/> made.</summary>
    internal static ulong NodeOf(SiteId site) => ulong.Parse(site.Value.AsSpan("node-".Length), System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture);

    async Task<IReadOnlyList<SiteId>> ISiteGrid.SitesAsync(int round, int minimum, CancellationToken ct)
        => [.. (await WaitForNodesAsync(minimum, ct).ConfigureAwait(false)).Select(SiteOf)];

    /// <summary>The plain train step: one model for every node, each reply checked and handed to the loop (which folds it into the aggregation) as it arrives.</summary>
    async Task ISiteGrid.TrainAsync(int round, ParameterSet global, IReadOnlyList<TrainInstruction> instructions, Func<TrainReply, string?> accept, List<SiteFailure> failures,
        CancellationToken ct)
    {
        // One ArrayRecord for every node: it is encoded and hashed once, and its objects (views of the model) are shared in the store.
        ArrayRecord trainArrays = global.ToArrayRecord();
        // SCAFFOLD's server control variate travels beside the model; the node answers with its Δcᵢ beside its update.
        ParameterSet? control = instructions.Select(i => i.Config.ServerControlVariate).FirstOrDefault(c => c is not null);
        ArrayRecord? controlArrays = control?.ToArrayRecord();
        var sent = Send(instructions.Select(instruction =>
        {
            var content = new RecordDict
            {
                { RecordKeys.Arrays, trainArrays },
                { RecordKeys.Config, SiteFlowerApp.ToConfigRecord(instruction.Config, round) },
            };
            if (instruction.Config.UseControlVariates && controlArrays is not null)
            {
                content.Add(RecordKeys.ControlVariate, controlArrays);
            }

            return (instruction.Site, "train", content);
        }), round, failures);
        await CollectAsync(sent, round, "train", failures, (site, content) =>
        {
            if (!content.TryGet(RecordKeys.Arrays, out ArrayRecord? arrays))
            {
                return "reply without the expected records";
            }

            if (!UpdateValidator.TryRead(arrays, global.Layout, out ParameterSet? parameters, out string? problem))
            {
                return problem;
            }

            ParameterSet? controlDelta = null;
            if (control is not null && content.TryGet(RecordKeys.ControlVariateDelta, out ArrayRecord? deltaArrays)
                && !UpdateValidator.TryRead(deltaArrays, control.Layout, out controlDelta, out string? deltaProblem))
            {
                return "control-variate change: " + deltaProblem;
            }

            var (values, examples) = Read(content);
            return accept(new TrainReply(site, new SiteUpdate(parameters, ParameterKind.Full, examples, values) { ControlVariateDelta = controlDelta }));
        }, ct).ConfigureAwait(false);
    }

    async Task ISiteGrid.EvaluateAsync(int round, ParameterSet global, IReadOnlyList<EvaluateInstruction> instructions, Func<EvaluateReply, string?> accept,
        List<SiteFailure> failures, CancellationToken ct)
    {
        ArrayRecord? evaluateArrays = global.ToArrayRecord();
        var sent = Send(instructions.Select(instruction => (instruction.Site, "evaluate", new RecordDict
        {
            { RecordKeys.Arrays, evaluateArrays! },
            { RecordKeys.Config, SiteFlowerApp.ToConfigRecord(instruction.Config, round) },
        })), round, failures);
        evaluateArrays = null; // as for training: the service holds the encoded objects until every node has them
        await CollectAsync(sent, round, "evaluate", failures, (site, content) =>
        {
            if (!content.TryGet(RecordKeys.Metrics, out FlowerMetricRecord? _))
            {
                return "reply without the expected records";
            }

            var (values, examples) = Read(content);
            return accept(new EvaluateReply(site, new SiteEvaluation(examples, values)));
        }, ct).ConfigureAwait(false);
    }

    /// <summary>SecAgg+ (<see cref="SecureFleetRound"/>): four train messages per node; the server holds only masked updates and their sum.</summary>
    async Task<(ParameterSet Global, int Aggregated, bool Skipped)> ISecureAggregationGrid.TrainSecurelyAsync(RoundContext context, ParameterSet global,
        IReadOnlyList<TrainInstruction> instructions, Dictionary<SiteId, MetricSet> trainMetrics, List<SiteFailure> failures, CancellationToken ct)
    {
        var (next, aggregated, skipped) = await new SecureFleetRound((SecureFedAvg)_strategy, Send, CollectAsync, _logger)
            .RunAsync(context, global, instructions, trainMetrics, failures, ct).ConfigureAwait(false);
        return (next, aggregated, skipped);
    }

    private List<(SiteId Site, string Id)> Send(IEnumerable<(SiteId Site, string Step, RecordDict Content)> instructions, int round, List<SiteFailure> failures)
    {
        var sent = new List<(SiteId, string)>();
        foreach (var (site, step, content) in instructions)
        {
            try
            {
                sent.Add((site, _fleet.SendInstruction(NodeOf(site), _runId, step, content)));
            }
            catch (InvalidOperationException)
            {
                Drop(failures, new SiteFailure(site, round, step, FailureCategory.Dropout, "the node went offline before the instruction was sent"));
            }
        }

        return sent;
    }

    /// <summary>Awaits every reply against one deadline, handing each to <paramref name="accept"/> as it arrives; <paramref name="accept"/> returns why a reply is refused, or null.</summary>
    private async Task CollectAsync(List<(SiteId Site, string Id)> sent, int round, string step, List<SiteFailure> failures, Func<SiteId, RecordDict, string?> accept, CancellationToken ct)
    {
        // Finished replies queue up in a channel read against the step's deadline. Neither a cancellable wait per reply nor
        // Task.WhenAny over a long-lived deadline task: both leave registrations that keep finished replies (whole updates)
        // reachable until the step ends, so the server's memory would grow with the number of nodes.
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(ct);
        stop.CancelAfter(_options.RoundDeadline);
        var pending = sent.ToDictionary(s => _fleet.WaitForReplyAsync(s.Id, CancellationToken.None), s => s);
        var finished = System.Threading.Channels.Channel.CreateUnbounded<Task<FlowerMessage>>();
        foreach (Task<FlowerMessage> reply in pending.Keys)
        {
            _ = reply.ContinueWith(t => finished.Writer.TryWrite(t), CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
        }

        try
        {
            while (pending.Count > 0)
            {
                try
                {
                    await finished.Reader.WaitToReadAsync(stop.Token).ConfigureAwait(false);
                }
                catch (OperationCanceledException) when (!ct.IsCancellationRequested)
                {
                    foreach (var (site, _) in pending.Values)
                    {
                        Drop(failures, new SiteFailure(site, round, step, FailureCategory.Timeout, "no reply before the round deadline"));
                    }

                    break;
                }

                // Each reply is taken from the channel and handled in a synchronous method, so nothing in this method's frame
                // refers to it: an awaited ReadAsync would (its completed operation keeps the result, and its awaiter stays on
                // the stack), and the whole update would survive the collection below until the next reply arrived.
                while (HandleNext(finished.Reader, pending, round, step, failures, accept))
                {
                    if (_options.CollectAfterEachUpdate)
                    {
                        System.Runtime.GCSettings.LargeObjectHeapCompactionMode = System.Runtime.GCLargeObjectHeapCompactionMode.CompactOnce;
                        GC.Collect(2, GCCollectionMode.Forced, blocking: true, compacting: true);
                        AfterCollection?.Invoke();
                    }
                }
            }
        }
        finally
        {
            foreach (var (_, (_, id)) in pending)
            {
                _fleet.Forget(id);
            }
        }
    }

    private bool HandleNext(System.Threading.Channels.ChannelReader<Task<FlowerMessage>> finished, Dictionary<Task<FlowerMessage>, (SiteId Site, string Id)> pending,
        int round, string step, List<SiteFailure> failures, Func<SiteId, RecordDict, string?> accept)
    {
        if (!finished.TryRead(out Task<FlowerMessage>? done))
        {
            return false;
        }

        LastHandledReply = done.IsCompletedSuccessfully ? new WeakReference<FlowerMessage>(done.Result) : null;
        HandleFinished(pending, done, round, step, failures, accept);
        return true;
    }

    private void HandleFinished(Dictionary<Task<FlowerMessage>, (SiteId Site, string Id)> pending, Task<FlowerMessage> done, int round, string step, List<SiteFailure> failures,
        Func<SiteId, RecordDict, string?> accept)
    {
        var (site, id) = pending[done];
        pending.Remove(done);
        try
        {
            FlowerMessage reply = done.GetAwaiter().GetResult();
            string? problem = reply.Content is { } content
                ? accept(site, content)
                : AppFailure(reply.Error);
            if (problem is not null)
            {
                Drop(failures, new SiteFailure(site, round, step, reply.Content is null ? FailureCategory.Trainer : FailureCategory.InvalidReply, problem));
            }
        }
        catch (OperationCanceledException)
        {
            Drop(failures, new SiteFailure(site, round, step, FailureCategory.Timeout, "no reply before the round deadline"));
        }
        catch (ReplyRefusedException e)
        {
            Drop(failures, new SiteFailure(site, round, step, FailureCategory.InvalidReply, e.Reason));
        }
        catch (FlowerProtocolException e)
        {
            Drop(failures, new SiteFailure(site, round, step, FailureCategory.InvalidReply, "the reply is malformed (its objects could not be rebuilt or its records read): " + e.GetType().Name));
        }
        finally
        {
            // Frees the reply, its slot and any half-uploaded objects: nothing of it stays in memory.
            _fleet.Forget(id);
        }
    }

    /// <summary>Why a reply carries an error instead of content; codes 5 and 8 are the SuperLink's and the SuperNode's own (Flower's <c>ErrorCode</c>).</summary>
    private static string AppFailure(Flip.Flower.Wire.Error? error) => error?.Code switch
    {
        5 => "the node is unavailable (error code 5, from the SuperLink)",
        8 => "the node's ClientApp stopped responding (error code 8, reported by its SuperNode)",
        _ => SiteFlowerApp.Invariant($"the node's app failed (error code {error?.Code})"),
    };

    // The round loop logs every failure once the step is over.
    private static void Drop(List<SiteFailure> failures, SiteFailure failure) => failures.Add(failure);

    private async Task<IReadOnlyList<ulong>> WaitForNodesAsync(int minimum, CancellationToken ct)
    {
        using var wait = CancellationTokenSource.CreateLinkedTokenSource(ct);
        wait.CancelAfter(_options.NodeWait);
        while (_fleet.OnlineNodes().Count < minimum)
        {
            try
            {
                await Task.Delay(TimeSpan.FromMilliseconds(100), wait.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (!ct.IsCancellationRequested)
            {
                throw new FlipException(SiteFlowerApp.Invariant($"only {_fleet.OnlineNodes().Count} of the {minimum} nodes needed came online within {_options.NodeWait}."),
                    ExitCodes.RunFailed, "start more hospital nodes with 'flip-research client', or lower the minimum.");
            }
        }

        return [.. _fleet.OnlineNodes().Order()];
    }

    internal static (MetricSet Values, long Examples) Read(RecordDict content)
    {
        if (!content.TryGet(RecordKeys.Metrics, out FlowerMetricRecord? record))
        {
            return (MetricSet.Empty, 0);
        }

        // Flower's metric records may also hold lists; only named scalar numbers are metrics here, and num-examples must be one.
        static bool Scalar(RecordValue v) => v.Kind is RecordValueKind.Double or RecordValueKind.SInt64 or RecordValueKind.UInt64;
        long examples = 0;
        if (record.TryGetValue(RecordKeys.NumExamples, out RecordValue? n))
        {
            examples = Scalar(n) ? (long)n.ToDouble() : throw FlowerProtocolException.BadMessage("MetricRecord", RecordKeys.NumExamples, $"a {n.Kind}; expected a number");
        }

        var values = record.Where(item => item.Key != RecordKeys.NumExamples && !string.IsNullOrWhiteSpace(item.Key) && Scalar(item.Value))
            .Select(item => KeyValuePair.Create(item.Key, item.Value.ToDouble()));
        return (MetricSet.From(values), examples);
    }
}
