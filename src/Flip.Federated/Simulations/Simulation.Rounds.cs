using System.Globalization;
using Flip.Federated.Runs;
using Flip.Federated.Strategies;
using Microsoft.Extensions.Logging;

namespace Flip.Federated.Simulations;

/// <summary>The round loop.</summary>
public sealed partial class Simulation
{
    // Purposes of derived seed streams: never reuse a number for another purpose.
    private const int StrategyStream = 1;
    private const int InjectionStream = 2;
    private const int TrainSeedStream = 3;
    private const int EvaluateSeedStream = 4;

    private async Task<RunResult> RunRoundsAsync(ParameterSet global, int firstRound, List<MetricRecord> metrics, List<SiteFailure> failures, RunStore? store, IProgress<RoundReport>? progress, CancellationToken ct)
    {
        var siteIds = _sites.Select(s => s.Id).ToList();
        var stopping = new EarlyStoppingTracker(_options.EarlyStopping);
        foreach (var record in metrics.Where(m => m.Site == MetricRecord.FederatedSite && m.Split == MetricRecord.TestSplit))
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
            var context = new RoundContext(round, _options.Rounds, siteIds, new Random(Seeds.Derive(_options.Seed, round, StrategyStream)));
            var roundFailures = new List<SiteFailure>();
            _siteTrainTimes.Clear();

            // In its own method, so the sites' updates are garbage once aggregated (an async method's
            // locals live as long as its state machine: here, the whole run).
            (global, int aggregated, bool skipped) = await TrainAndAggregateAsync(context, global, metrics, roundFailures, ct).ConfigureAwait(false);

            long evaluating = _time.GetTimestamp();
            var federated = await EvaluateRoundAsync(context, global, metrics, roundFailures, ct).ConfigureAwait(false);
            TimeSpan evaluateTime = _time.GetElapsedTime(evaluating);
            foreach (var (name, value) in federated)
            {
                stopping.Observe(name, value);
            }

            metrics.Add(new MetricRecord(round, MetricRecord.ServerSite, MetricRecord.RoundSplit, MetricNames.SitesAggregated, aggregated));
            metrics.Add(new MetricRecord(round, MetricRecord.ServerSite, MetricRecord.RoundSplit, MetricNames.SitesFailed, roundFailures.Count));
            failures.AddRange(roundFailures);
            store?.CommitRound(round, global, _strategy.ExportState(), metrics, SiteCheckpoints(), failures);
            completed = round;
            stoppedEarly = stopping.ShouldStop;

            var report = new RoundReport(round, _options.Rounds, aggregated, roundFailures, skipped, federated, _time.GetElapsedTime(started), metrics.GetRange(firstRow, metrics.Count - firstRow))
            {
                SiteTrainTimes = new Dictionary<string, TimeSpan>(_siteTrainTimes),
                EvaluateTime = evaluateTime,
            };
            _logger.LogInformation("Round {Round}/{Rounds} of {Strategy}: {Aggregated} sites aggregated, {Failed} failed; {Metrics}.", round, _options.Rounds, _strategy.Name, report.SitesAggregated, roundFailures.Count, federated.ToString());
            progress?.Report(report);
        }

        return new RunResult(global, metrics, failures, completed, stoppedEarly && completed < _options.Rounds, store?.Folder);
    }

    private async Task<(ParameterSet Global, int Aggregated, bool Skipped)> TrainAndAggregateAsync(RoundContext context, ParameterSet global, List<MetricRecord> metrics, List<SiteFailure> roundFailures, CancellationToken ct)
    {
        int round = context.Round;
        var trainInstructions = _strategy.ConfigureTrain(context, global);
        var trainReplies = await TrainAsync(round, global, trainInstructions, ct).ConfigureAwait(false);
        roundFailures.AddRange(trainReplies.Failed);
        foreach (var reply in trainReplies.Succeeded)
        {
            foreach (var (name, value) in reply.Update.Metrics)
            {
                metrics.Add(new MetricRecord(round, reply.Site.Value, MetricRecord.TrainSplit, name, value));
            }

            metrics.Add(new MetricRecord(round, reply.Site.Value, MetricRecord.TrainSplit, MetricNames.ExampleCount, reply.Update.ExampleCount));
        }

        if (trainReplies.Succeeded.Count < Math.Max(1, _strategy.MinTrainSites))
        {
            var tooFew = AggregationException.TooFewSites(round, _strategy.Name, Math.Max(1, _strategy.MinTrainSites), [.. trainReplies.Succeeded.Select(r => r.Site)], trainReplies.Failed);
            if (_options.OnTooFewSites == TooFewSitesPolicy.Fail)
            {
                throw tooFew;
            }

            _logger.LogWarning("{Message} The global model is kept.", tooFew.Message);
            return (global, 0, true);
        }

        return (_strategy.AggregateTrain(context, global, trainReplies), trainReplies.Succeeded.Count, false);
    }

    private async Task EvaluateInitialModelAsync(ParameterSet initial, List<MetricRecord> metrics, List<SiteFailure> failures, CancellationToken ct)
    {
        var context = new RoundContext(0, _options.Rounds, [.. _sites.Select(s => s.Id)], new Random(Seeds.Derive(_options.Seed, 0, StrategyStream)));
        await EvaluateRoundAsync(context, initial, metrics, failures, ct).ConfigureAwait(false);
    }

    // Every instructed site evaluates on its own held-out data; its metrics, the strategy's aggregate and the failures are recorded.
    private async Task<MetricSet> EvaluateRoundAsync(RoundContext context, ParameterSet global, List<MetricRecord> metrics, List<SiteFailure> failures, CancellationToken ct)
    {
        int round = context.Round;
        var instructions = _strategy.ConfigureEvaluate(context, global);
        var replies = await EvaluateAsync(round, global, instructions, ct).ConfigureAwait(false);
        failures.AddRange(replies.Failed);
        foreach (var reply in replies.Succeeded)
        {
            foreach (var (name, value) in reply.Evaluation.Metrics)
            {
                metrics.Add(new MetricRecord(round, reply.Site.Value, MetricRecord.TestSplit, name, value));
            }

            metrics.Add(new MetricRecord(round, reply.Site.Value, MetricRecord.TestSplit, MetricNames.ExampleCount, reply.Evaluation.ExampleCount));
        }

        var federated = _strategy.AggregateEvaluate(context, replies);
        foreach (var (name, value) in federated)
        {
            metrics.Add(new MetricRecord(round, MetricRecord.FederatedSite, MetricRecord.TestSplit, name, value));
        }

        for (int k = 0; k < EvaluationOnlySites.Count; k++)
        {
            var site = EvaluationOnlySites[k];
            var config = new EvaluateConfig { Round = round, Seed = Seeds.Derive(_options.Seed, round, EvaluateSeedStream, _sites.Count + k) };
            try
            {
                var evaluation = await site.EvaluateAsync(global, config, ct).ConfigureAwait(false);
                foreach (var (name, value) in evaluation.Metrics)
                {
                    metrics.Add(new MetricRecord(round, site.Id.Value, MetricRecord.TestSplit, name, value));
                }

                metrics.Add(new MetricRecord(round, site.Id.Value, MetricRecord.TestSplit, MetricNames.ExampleCount, evaluation.ExampleCount));
            }
            catch (Exception e) when (e is not OperationCanceledException || !ct.IsCancellationRequested)
            {
                _logger.LogWarning(e, "Evaluation-only site {Site} failed in round {Round}.", site.Id.Value, round);
                failures.Add(new SiteFailure(site.Id, round, "evaluate", Categorise(e), Reason(e)));
            }
        }

        return federated;
    }

    private Dictionary<SiteId, ParameterSet> SiteCheckpoints()
    {
        var states = new Dictionary<SiteId, ParameterSet>();
        foreach (var site in _sites)
        {
            if (site.State.ToCheckpoint() is { } checkpoint)
            {
                states[site.Id] = checkpoint;
            }
        }

        return states;
    }

    private async Task<TrainReplies> TrainAsync(int round, ParameterSet global, IReadOnlyList<TrainInstruction> instructions, CancellationToken ct)
    {
        // Injected failures are drawn in instruction order from their own stream, before any site runs.
        var injections = new Random(Seeds.Derive(_options.Seed, round, InjectionStream));
        var plans = instructions.Select(i => (Instruction: i, Dropout: injections.NextDouble() < _options.DropoutProbability, Straggler: injections.NextDouble() < _options.StragglerProbability)).ToList();
        var results = new (SiteUpdate? Update, SiteFailure? Failure)[plans.Count];
        using var gate = new SemaphoreSlim(_options.MaxParallelism);
        await Task.WhenAll(plans.Select(async (plan, index) =>
        {
            await gate.WaitAsync(ct).ConfigureAwait(false);
            try
            {
                results[index] = await TrainOneAsync(round, global, plan.Instruction, plan.Dropout, plan.Straggler, ct).ConfigureAwait(false);
            }
            finally
            {
                gate.Release();
            }
        })).ConfigureAwait(false);

        var succeeded = new List<TrainReply>();
        var failed = new List<SiteFailure>();
        for (int i = 0; i < results.Length; i++)
        {
            if (results[i].Update is { } update)
            {
                succeeded.Add(new TrainReply(plans[i].Instruction.Site, update));
            }
            else
            {
                failed.Add(results[i].Failure!);
            }
        }

        return new TrainReplies(succeeded, failed);
    }

    private async Task<(SiteUpdate? Update, SiteFailure? Failure)> TrainOneAsync(int round, ParameterSet global, TrainInstruction instruction, bool dropout, bool straggler, CancellationToken ct)
    {
        const string step = "train";
        if (!_siteIndex.TryGetValue(instruction.Site, out int index))
        {
            return (null, new SiteFailure(instruction.Site, round, step, FailureCategory.Dropout, "the strategy instructed a site the simulation does not have"));
        }

        if (dropout)
        {
            return (null, new SiteFailure(instruction.Site, round, step, FailureCategory.Dropout, "injected dropout"));
        }

        var deadline = _options.SiteDeadline;
        var delay = straggler ? _options.StragglerDelay : TimeSpan.Zero;
        if (deadline is { } limit && delay > limit)
        {
            return (null, new SiteFailure(instruction.Site, round, step, FailureCategory.Timeout, "injected straggler missed the deadline"));
        }

        var site = _sites[index];
        var config = instruction.Config with { Round = round, Seed = Seeds.Derive(_options.Seed, round, TrainSeedStream, index) };
        using var deadlineSource = deadline is { } d ? new CancellationTokenSource(d - delay, _time) : new CancellationTokenSource();
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(ct, deadlineSource.Token);
        try
        {
            long training = _time.GetTimestamp();
            var update = await site.TrainAsync(global, config, linked.Token).ConfigureAwait(false);
            _siteTrainTimes[site.Id.Value] = _time.GetElapsedTime(training);
            if (!ParameterMath.AllFinite(update.Parameters, out string? bad))
            {
                _logger.LogWarning("Site {Site} sent a non-finite value in {Key} in round {Round}; its reply is dropped.", site.Id.Value, bad, round);
                return (null, new SiteFailure(site.Id, round, step, FailureCategory.InvalidReply, $"non-finite value in `{bad}`"));
            }

            return (update, null);
        }
        catch (OperationCanceledException) when (!ct.IsCancellationRequested && deadlineSource.IsCancellationRequested)
        {
            return (null, new SiteFailure(site.Id, round, step, FailureCategory.Timeout, "missed the deadline"));
        }
        catch (Exception e) when (e is not OperationCanceledException || !ct.IsCancellationRequested)
        {
            _logger.LogWarning(e, "Site {Site} failed to train in round {Round}.", site.Id.Value, round);
            return (null, new SiteFailure(site.Id, round, step, Categorise(e), Reason(e)));
        }
    }

    private async Task<EvaluateReplies> EvaluateAsync(int round, ParameterSet global, IReadOnlyList<EvaluateInstruction> instructions, CancellationToken ct)
    {
        var results = new (SiteEvaluation? Evaluation, SiteFailure? Failure)[instructions.Count];
        using var gate = new SemaphoreSlim(_options.MaxParallelism);
        await Task.WhenAll(instructions.Select(async (instruction, index) =>
        {
            await gate.WaitAsync(ct).ConfigureAwait(false);
            try
            {
                results[index] = await EvaluateOneAsync(round, global, instruction, ct).ConfigureAwait(false);
            }
            finally
            {
                gate.Release();
            }
        })).ConfigureAwait(false);

        var succeeded = new List<EvaluateReply>();
        var failed = new List<SiteFailure>();
        for (int i = 0; i < results.Length; i++)
        {
            if (results[i].Evaluation is { } evaluation)
            {
                succeeded.Add(new EvaluateReply(instructions[i].Site, evaluation));
            }
            else
            {
                failed.Add(results[i].Failure!);
            }
        }

        return new EvaluateReplies(succeeded, failed);
    }

    private async Task<(SiteEvaluation? Evaluation, SiteFailure? Failure)> EvaluateOneAsync(int round, ParameterSet global, EvaluateInstruction instruction, CancellationToken ct)
    {
        const string step = "evaluate";
        if (!_siteIndex.TryGetValue(instruction.Site, out int index))
        {
            return (null, new SiteFailure(instruction.Site, round, step, FailureCategory.Dropout, "the strategy instructed a site the simulation does not have"));
        }

        var site = _sites[index];
        var config = instruction.Config with { Round = round, Seed = Seeds.Derive(_options.Seed, round, EvaluateSeedStream, index) };
        try
        {
            return (await site.EvaluateAsync(global, config, ct).ConfigureAwait(false), null);
        }
        catch (Exception e) when (e is not OperationCanceledException || !ct.IsCancellationRequested)
        {
            _logger.LogWarning(e, "Site {Site} failed to evaluate in round {Round}.", site.Id.Value, round);
            return (null, new SiteFailure(site.Id, round, step, Categorise(e), Reason(e)));
        }
    }

    private static FailureCategory Categorise(Exception e) => e switch
    {
        ParameterLayoutException => FailureCategory.InvalidReply,
        FlipException { ExitCode: ExitCodes.BadInput } => FailureCategory.Data,
        IOException or UnauthorizedAccessException => FailureCategory.Data,
        _ => FailureCategory.Trainer,
    };

    // Only the type and exit code leave the site: a message may carry a path or a value (STYLE.md §4).
    private static string Reason(Exception e)
        => e is FlipException flip
            ? string.Create(CultureInfo.InvariantCulture, $"{e.GetType().Name} (exit code {flip.ExitCode})")
            : e.GetType().Name;

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
