using System.Collections.Concurrent;
using System.Globalization;
using Flip.Federated.Rounds;
using Flip.Federated.Runs;
using Flip.Federated.Strategies;
using Microsoft.Extensions.Logging;

namespace Flip.Federated.Simulations;

/// <summary>
/// The simulation's sites as a <see cref="ISiteGrid"/>: instructions are method calls on <see cref="Site"/> objects in this
/// process, at most <see cref="SimulationOptions.MaxParallelism"/> at a time, with injected dropouts and stragglers and an
/// optional per-site deadline.
/// </summary>
/// <remarks>
/// Replies are handed to the round loop in instruction order whatever order the sites finish in, so the aggregate does not
/// depend on scheduling. The sites' own state (FedBN's local layers, SCAFFOLD's cᵢ) is held here, so it is checkpointed and
/// restored with the run.
/// </remarks>
internal sealed class InProcessGrid : ISiteGrid
{
    private readonly IReadOnlyList<Site> _sites;
    private readonly IReadOnlyList<Site> _evaluationOnly;
    private readonly Dictionary<SiteId, int> _siteIndex = [];
    private readonly SimulationOptions _options;
    private readonly ILogger _logger;
    private readonly TimeProvider _time;

    // Each site's training time in the current round, for RoundReport.SiteTrainTimes (sites may train in parallel).
    private readonly ConcurrentDictionary<string, TimeSpan> _siteTrainTimes = new();

    public InProcessGrid(IReadOnlyList<Site> sites, IReadOnlyList<Site> evaluationOnly, SimulationOptions options, ILogger logger, TimeProvider time)
    {
        _sites = sites;
        _evaluationOnly = evaluationOnly;
        for (int i = 0; i < _sites.Count; i++)
        {
            _siteIndex.TryAdd(_sites[i].Id, i);
        }

        _options = options;
        _logger = logger;
        _time = time;
    }

    public Task<IReadOnlyList<SiteId>> SitesAsync(int round, int minimum, CancellationToken ct)
    {
        _siteTrainTimes.Clear();
        return Task.FromResult<IReadOnlyList<SiteId>>([.. _sites.Select(s => s.Id)]);
    }

    public async Task TrainAsync(int round, ParameterSet global, IReadOnlyList<TrainInstruction> instructions, Func<TrainReply, string?> accept, List<SiteFailure> failures,
        CancellationToken ct)
    {
        // Injected failures are drawn in instruction order from their own stream, before any site runs.
        var injections = new Random(Seeds.Derive(_options.Seed, round, RoundLoop.InjectionStream));
        var plans = instructions.Select(i => (Instruction: i, Dropout: injections.NextDouble() < _options.DropoutProbability, Straggler: injections.NextDouble() < _options.StragglerProbability)).ToList();
        var results = await RunAllAsync(plans, (plan, token) => TrainOneAsync(round, global, plan.Instruction, plan.Dropout, plan.Straggler, token), ct).ConfigureAwait(false);
        for (int i = 0; i < results.Length; i++)
        {
            Hand(results[i], plans[i].Instruction.Site, round, "train", update => accept(new TrainReply(plans[i].Instruction.Site, update)), failures);
            results[i] = default; // the update is the aggregation's now
        }
    }

    public async Task EvaluateAsync(int round, ParameterSet global, IReadOnlyList<EvaluateInstruction> instructions, Func<EvaluateReply, string?> accept, List<SiteFailure> failures,
        CancellationToken ct)
    {
        var results = await RunAllAsync(instructions, (instruction, token) => EvaluateOneAsync(round, global, instruction, token), ct).ConfigureAwait(false);
        for (int i = 0; i < results.Length; i++)
        {
            Hand(results[i], instructions[i].Site, round, "evaluate", evaluation => accept(new EvaluateReply(instructions[i].Site, evaluation)), failures);
        }
    }

    public async Task EvaluateBesideAsync(int round, ParameterSet global, List<MetricRecord> metrics, List<SiteFailure> failures, CancellationToken ct)
    {
        for (int k = 0; k < _evaluationOnly.Count; k++)
        {
            Site site = _evaluationOnly[k];
            var config = new EvaluateConfig { Round = round, Seed = Seeds.Derive(_options.Seed, round, RoundLoop.EvaluateSeedStream, _sites.Count + k) };
            try
            {
                SiteEvaluation evaluation = await site.EvaluateAsync(global, config, ct).ConfigureAwait(false);
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
    }

    public IReadOnlyDictionary<SiteId, ParameterSet>? SiteCheckpoints()
    {
        var states = new Dictionary<SiteId, ParameterSet>();
        foreach (Site site in _sites)
        {
            if (site.State.ToCheckpoint() is { } checkpoint)
            {
                states[site.Id] = checkpoint;
            }
        }

        return states;
    }

    public void RestoreSites(RunStore store, int round)
    {
        foreach (Site site in _sites)
        {
            if (store.ReadSiteState(round, site.Id) is { } state)
            {
                site.State.RestoreCheckpoint(state);
            }
        }
    }

    public RoundReport Describe(RoundReport report) => report with { SiteTrainTimes = new Dictionary<string, TimeSpan>(_siteTrainTimes) };

    private static void Hand<T>((T? Reply, SiteFailure? Failure) result, SiteId site, int round, string step, Func<T, string?> accept, List<SiteFailure> failures)
        where T : class
    {
        if (result.Reply is null)
        {
            failures.Add(result.Failure!);
        }
        else if (accept(result.Reply) is { } problem)
        {
            failures.Add(new SiteFailure(site, round, step, FailureCategory.InvalidReply, problem));
        }
    }

    private async Task<TResult[]> RunAllAsync<TWork, TResult>(IReadOnlyList<TWork> work, Func<TWork, CancellationToken, Task<TResult>> run, CancellationToken ct)
    {
        var results = new TResult[work.Count];
        using var gate = new SemaphoreSlim(_options.MaxParallelism);
        await Task.WhenAll(work.Select(async (item, index) =>
        {
            await gate.WaitAsync(ct).ConfigureAwait(false);
            try
            {
                results[index] = await run(item, ct).ConfigureAwait(false);
            }
            finally
            {
                gate.Release();
            }
        })).ConfigureAwait(false);
        return results;
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

        TimeSpan? deadline = _options.SiteDeadline;
        TimeSpan delay = straggler ? _options.StragglerDelay : TimeSpan.Zero;
        if (deadline is { } limit && delay > limit)
        {
            return (null, new SiteFailure(instruction.Site, round, step, FailureCategory.Timeout, "injected straggler missed the deadline"));
        }

        Site site = _sites[index];
        using var deadlineSource = deadline is { } d ? new CancellationTokenSource(d - delay, _time) : new CancellationTokenSource();
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(ct, deadlineSource.Token);
        try
        {
            long training = _time.GetTimestamp();
            SiteUpdate update = await site.TrainAsync(global, instruction.Config, linked.Token).ConfigureAwait(false);
            _siteTrainTimes[site.Id.Value] = _time.GetElapsedTime(training);
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

    private async Task<(SiteEvaluation? Evaluation, SiteFailure? Failure)> EvaluateOneAsync(int round, ParameterSet global, EvaluateInstruction instruction, CancellationToken ct)
    {
        const string step = "evaluate";
        if (!_siteIndex.TryGetValue(instruction.Site, out int index))
        {
            return (null, new SiteFailure(instruction.Site, round, step, FailureCategory.Dropout, "the strategy instructed a site the simulation does not have"));
        }

        Site site = _sites[index];
        try
        {
            return (await site.EvaluateAsync(global, instruction.Config, ct).ConfigureAwait(false), null);
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
}
