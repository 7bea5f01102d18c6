using System.Globalization;
using Flip.Federated.Runs;
using Flip.Federated.SecureAggregation;
using Flip.Federated.Simulations;
using Flip.Federated.Strategies;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Flip.Federated.Rounds;

/// <summary>
/// The one round loop of every federation: the simulation's in-process sites, the Fleet server's nodes, a Flower
/// SuperLink's nodes and Flower's legacy clients are each an <see cref="ISiteGrid"/> it drives.
/// </summary>
/// <remarks>
/// <para>Each round: the grid names the sites available; the strategy samples and configures; every site's seed is derived
/// from the run seed, the round and the site's position among the available sites; the grid delivers the instructions and
/// hands back the replies by its deadline; each update is checked (finite values, the model's layout) and folded into the
/// strategy's aggregation as it arrives (<see cref="Strategy.StartTrainAggregation"/>); too few updates, or an aggregation
/// that refuses them, skip the round (the global model is kept) or fail the run (<see cref="RoundLoopOptions.OnTooFewSites"/>);
/// the sites evaluate the new model; metrics, failures, the checkpoint and the strategy's state are committed to the run
/// store; early stopping is decided; a report is published.</para>
/// <para>Same seed, same metrics: the loop's randomness comes from <see cref="RoundLoopOptions.Seed"/> and the round, and rows are
/// written in instruction order whatever order replies arrive in (the simulation also hands replies over in that order, so
/// its aggregate is exact too).</para>
/// </remarks>
public sealed class RoundLoop
{
    // Purposes of derived seed streams: never reuse a number for another purpose.
    internal const int StrategyStream = 1;
    internal const int InjectionStream = 2;
    internal const int TrainSeedStream = 3;
    internal const int EvaluateSeedStream = 4;

    private readonly ISiteGrid _grid;
    private readonly Strategy _strategy;
    private readonly RoundLoopOptions _options;
    private readonly ILogger _logger;
    private readonly TimeProvider _time;

    /// <summary>Creates the loop.</summary>
    /// <param name="grid">The sites.</param>
    /// <param name="strategy">The strategy; a fresh instance per run, as it may keep server state.</param>
    /// <param name="options">Rounds, seed, minimum sites, policies.</param>
    /// <param name="logger">Where failures, skipped rounds and round summaries are logged; none by default.</param>
    /// <param name="timeProvider">The clock for elapsed times; <see cref="TimeProvider.System"/> by default.</param>
    public RoundLoop(ISiteGrid grid, Strategy strategy, RoundLoopOptions options, ILogger? logger = null, TimeProvider? timeProvider = null)
    {
        _grid = grid ?? throw new ArgumentNullException(nameof(grid));
        _strategy = strategy ?? throw new ArgumentNullException(nameof(strategy));
        _options = options ?? throw new ArgumentNullException(nameof(options));
        _logger = logger ?? NullLogger.Instance;
        _time = timeProvider ?? TimeProvider.System;
    }

    /// <summary>The most site updates the train aggregation held at once in any round (1 when it streams).</summary>
    public int PeakHeldUpdates { get; private set; }

    /// <summary>Runs every round from the initial model; with a store, round 0 (the initial model) and every round are committed.</summary>
    /// <param name="initial">The initial global model.</param>
    /// <param name="store">The new run's store, or <see langword="null"/> to keep everything in memory.</param>
    /// <param name="progress">Receives a report after every round.</param>
    /// <param name="ct">Stops the run between rounds (and cancels the sites' work).</param>
    /// <returns>The final model, the long-format metrics and the failures.</returns>
    /// <exception cref="AggregationException">Too few sites answered and the policy is <see cref="TooFewSitesPolicy.Fail"/>.</exception>
    /// <exception cref="FlipException">Too few sites became available.</exception>
    public async Task<RunResult> RunAsync(ParameterSet initial, RunStore? store = null, IProgress<RoundReport>? progress = null, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(initial);
        var metrics = new List<MetricRecord>();
        var failures = new List<SiteFailure>();
        int minimum = _options.MinSites;
        if (_options.EvaluateInitialModel)
        {
            IReadOnlyList<SiteId> sites = await _grid.SitesAsync(0, minimum, ct).ConfigureAwait(false);
            var context = new RoundContext(0, _options.Rounds, sites, new Random(Seeds.Derive(_options.Seed, 0, StrategyStream)));
            await EvaluateStepAsync(context, initial, metrics, failures, ct).ConfigureAwait(false);
            minimum = 1;
        }

        store?.CommitRound(0, initial, _strategy.ExportState(), metrics, null, failures);
        return await RunRoundsAsync(initial, 1, minimum, metrics, failures, store, progress, ct).ConfigureAwait(false);
    }

    /// <summary>Continues a run from its last committed round: global model, strategy state, the sites' own state (where the grid holds it), metrics and failures come from the store.</summary>
    /// <param name="store">The run's store.</param>
    /// <param name="progress">Receives a report after every round.</param>
    /// <param name="ct">Stops the run.</param>
    /// <returns>The result of the whole run, including the rounds before the interruption.</returns>
    /// <exception cref="RunStoreException">The store holds no committed round, or a file is malformed.</exception>
    public Task<RunResult> ResumeAsync(RunStore store, IProgress<RoundReport>? progress = null, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(store);
        int last = store.LastFinishedRound;
        if (last < 0)
        {
            throw RunStoreException.Malformed(Path.Combine(store.Folder, RunStore.ProgressFileName), "missing; the run stopped before its initial model was stored, so start it again.");
        }

        ParameterSet global = store.ReadCheckpoint(last);
        if (store.ReadStrategyState(last) is { } state)
        {
            _strategy.ImportState(state);
        }

        _grid.RestoreSites(store, last);
        _logger.LogInformation("Resuming the {Strategy} run in {Folder} after round {Round}.", _strategy.Name, store.Folder, last);
        return RunRoundsAsync(global, last + 1, _options.MinSites, [.. store.ReadMetrics()], [.. store.ReadFailures()], store, progress, ct);
    }

    private async Task<RunResult> RunRoundsAsync(ParameterSet global, int firstRound, int minimum, List<MetricRecord> metrics, List<SiteFailure> failures, RunStore? store,
        IProgress<RoundReport>? progress, CancellationToken ct)
    {
        var stopping = new EarlyStoppingTracker(_options.EarlyStopping);
        foreach (MetricRecord record in metrics.Where(m => m.Site == MetricRecord.FederatedSite && m.Split == MetricRecord.TestSplit))
        {
            stopping.Observe(record.Metric, record.Value);
        }

        int completed = firstRound - 1;
        bool stoppedEarly = stopping.ShouldStop;
        for (int round = firstRound; round <= _options.Rounds && !stoppedEarly; round++)
        {
            ct.ThrowIfCancellationRequested();
            long started = _time.GetTimestamp();
            int firstRow = metrics.Count;
            IReadOnlyList<SiteId> sites = await _grid.SitesAsync(round, round == firstRound ? minimum : 1, ct).ConfigureAwait(false);
            var context = new RoundContext(round, _options.Rounds, sites, new Random(Seeds.Derive(_options.Seed, round, StrategyStream)));
            var roundFailures = new List<SiteFailure>();

            // In its own method, so the sites' updates are garbage once aggregated (an async method's locals live as long as
            // its state machine: here, the whole run).
            (global, int aggregated, bool skipped) = await TrainStepAsync(context, global, metrics, roundFailures, ct).ConfigureAwait(false);

            long evaluating = _time.GetTimestamp();
            MetricSet federated = await EvaluateStepAsync(context, global, metrics, roundFailures, ct).ConfigureAwait(false);
            TimeSpan evaluateTime = _time.GetElapsedTime(evaluating);
            foreach (var (name, value) in federated)
            {
                stopping.Observe(name, value);
            }

            metrics.Add(new MetricRecord(round, MetricRecord.ServerSite, MetricRecord.RoundSplit, MetricNames.SitesAggregated, aggregated));
            metrics.Add(new MetricRecord(round, MetricRecord.ServerSite, MetricRecord.RoundSplit, MetricNames.SitesFailed, roundFailures.Count));
            failures.AddRange(roundFailures);
            store?.CommitRound(round, global, _strategy.ExportState(), metrics, _grid.SiteCheckpoints(), failures);
            completed = round;
            stoppedEarly = stopping.ShouldStop;

            RoundReport report = _grid.Describe(new RoundReport(round, _options.Rounds, aggregated, roundFailures, skipped, federated, _time.GetElapsedTime(started),
                metrics.GetRange(firstRow, metrics.Count - firstRow))
            {
                EvaluateTime = evaluateTime,
            });
            _logger.LogInformation("Round {Round}/{Rounds} of {Strategy}: {Aggregated} sites aggregated, {Failed} failed; {Metrics}.", round, _options.Rounds, _strategy.Name,
                aggregated, roundFailures.Count, federated.ToString());
            progress?.Report(report);
        }

        return new RunResult(global, metrics, failures, completed, stoppedEarly && completed < _options.Rounds, store?.Folder);
    }

    private async Task<(ParameterSet Global, int Aggregated, bool Skipped)> TrainStepAsync(RoundContext context, ParameterSet global, List<MetricRecord> metrics,
        List<SiteFailure> failures, CancellationToken ct)
    {
        int round = context.Round;
        IReadOnlyList<TrainInstruction> instructions = [.. _strategy.ConfigureTrain(context, global)
            .Select((instruction, i) => instruction with { Config = instruction.Config with { Round = round, Seed = SiteSeed(context, instruction.Site, i, TrainSeedStream) } })];
        int failedBefore = failures.Count;
        if (_strategy is SecureFedAvg && _grid is ISecureAggregationGrid secure)
        {
            var secureMetrics = new Dictionary<SiteId, MetricSet>();
            var outcome = await secure.TrainSecurelyAsync(context, global, instructions, secureMetrics, failures, ct).ConfigureAwait(false);
            AddRows(metrics, round, MetricRecord.TrainSplit, instructions.Select(i => i.Site), site => secureMetrics.TryGetValue(site, out MetricSet? values) ? (values, null) : null);
            LogFailures(failures, failedBefore);
            return outcome.Skipped ? (outcome.Global, 0, true) : outcome;
        }

        TrainAggregator aggregator = _strategy.StartTrainAggregation(context, global);
        var trained = new Dictionary<SiteId, (MetricSet Metrics, long Examples)>();
        await _grid.TrainAsync(round, global, instructions, reply =>
        {
            if (!ParameterMath.AllFinite(reply.Update.Parameters, out string? bad))
            {
                return $"non-finite value in `{bad}`";
            }

            try
            {
                aggregator.Add(reply);
            }
            catch (ParameterLayoutException e)
            {
                return e.Message;
            }

            trained[reply.Site] = (reply.Update.Metrics, reply.Update.ExampleCount);
            return null;
        }, failures, ct).ConfigureAwait(false);
        PeakHeldUpdates = Math.Max(PeakHeldUpdates, aggregator.PeakHeldUpdates);
        AddRows(metrics, round, MetricRecord.TrainSplit, instructions.Select(i => i.Site), site => trained.TryGetValue(site, out var reply) ? (reply.Metrics, reply.Examples) : null);
        LogFailures(failures, failedBefore);

        int minimum = Math.Max(1, _strategy.MinTrainSites);
        if (trained.Count < minimum)
        {
            return Skip(global, AggregationException.TooFewSites(round, _strategy.Name, minimum, [.. instructions.Select(i => i.Site).Where(trained.ContainsKey)],
                [.. failures.Skip(failedBefore)]));
        }

        try
        {
            return (aggregator.Finish(failures), trained.Count, false);
        }
        catch (AggregationException e)
        {
            return Skip(global, e);
        }
    }

    private (ParameterSet Global, int Aggregated, bool Skipped) Skip(ParameterSet global, AggregationException reason)
    {
        if (_options.OnTooFewSites == TooFewSitesPolicy.Fail)
        {
            throw reason;
        }

        _logger.LogWarning("{Message} The global model is kept.", reason.Message);
        return (global, 0, true);
    }

    // Every instructed site evaluates on its own held-out data; its rows, the strategy's aggregate and the failures are recorded,
    // then the sites that only evaluate (the grid's).
    private async Task<MetricSet> EvaluateStepAsync(RoundContext context, ParameterSet global, List<MetricRecord> metrics, List<SiteFailure> failures, CancellationToken ct)
    {
        int round = context.Round;
        IReadOnlyList<EvaluateInstruction> instructions = [.. _strategy.ConfigureEvaluate(context, global)
            .Select((instruction, i) => instruction with { Config = instruction.Config with { Round = round, Seed = SiteSeed(context, instruction.Site, i, EvaluateSeedStream) } })];
        int failedBefore = failures.Count;
        var evaluations = new Dictionary<SiteId, SiteEvaluation>();
        await _grid.EvaluateAsync(round, global, instructions, reply =>
        {
            evaluations[reply.Site] = reply.Evaluation;
            return null;
        }, failures, ct).ConfigureAwait(false);
        AddRows(metrics, round, MetricRecord.TestSplit, instructions.Select(i => i.Site), site => evaluations.TryGetValue(site, out SiteEvaluation? e) ? (e.Metrics, e.ExampleCount) : null);

        MetricSet federated = _strategy.AggregateEvaluate(context, new EvaluateReplies(
            [.. instructions.Where(i => evaluations.ContainsKey(i.Site)).Select(i => new EvaluateReply(i.Site, evaluations[i.Site]))],
            [.. failures.Skip(failedBefore).Where(f => f.Step == "evaluate")]));
        foreach (var (name, value) in federated)
        {
            metrics.Add(new MetricRecord(round, MetricRecord.FederatedSite, MetricRecord.TestSplit, name, value));
        }

        await _grid.EvaluateBesideAsync(round, global, metrics, failures, ct).ConfigureAwait(false);
        LogFailures(failures, failedBefore);
        return federated;
    }

    // A site's seed depends on the run seed, the round and its position among the round's sites, not on which others were sampled.
    private int SiteSeed(RoundContext context, SiteId site, int instruction, int stream)
    {
        int position = context.Sites.Count + instruction; // a site the grid did not name: after all of them
        for (int i = 0; i < context.Sites.Count; i++)
        {
            if (context.Sites[i] == site)
            {
                position = i;
                break;
            }
        }

        return Seeds.Derive(_options.Seed, context.Round, stream, position);
    }

    private static void AddRows(List<MetricRecord> metrics, int round, string split, IEnumerable<SiteId> order, Func<SiteId, (MetricSet Values, long? Examples)?> bySite)
    {
        foreach (SiteId site in order)
        {
            if (bySite(site) is not { } reply)
            {
                continue;
            }

            foreach (var (name, value) in reply.Values)
            {
                metrics.Add(new MetricRecord(round, site.Value, split, name, value));
            }

            if (reply.Examples is { } examples)
            {
                metrics.Add(new MetricRecord(round, site.Value, split, MetricNames.ExampleCount, examples));
            }
        }
    }

    private void LogFailures(List<SiteFailure> failures, int from)
    {
        for (int i = from; i < failures.Count; i++)
        {
            SiteFailure failure = failures[i];
            _logger.LogWarning("Round {Round}: {Site} dropped out of {Step} ({Category}: {Reason})", failure.Round, failure.Site.Value, failure.Step,
                failure.Category.ToString().ToLower(CultureInfo.InvariantCulture), failure.Reason);
        }
    }

    private sealed class EarlyStoppingTracker(EarlyStopping? settings)
    {
        private double _best = double.NaN;
        private int _roundsWithoutImprovement;

        public bool ShouldStop => settings is not null && _roundsWithoutImprovement >= settings.Patience;

        public void Observe(string metric, double value)
        {
            if (settings is null || metric != settings.Metric)
            {
                return;
            }

            bool improved = double.IsNaN(_best) || (settings.HigherIsBetter ? value > _best + settings.MinDelta : value < _best - settings.MinDelta);
            if (improved)
            {
                _best = value;
                _roundsWithoutImprovement = 0;
            }
            else
            {
                _roundsWithoutImprovement++;
            }
        }
    }
}
