using System.Globalization;
using Flip.Federated;
using Flip.Federated.Rounds;
using Flip.Federated.Simulations;
using Flip.Federated.Strategies;
using Flip.Flower.Fleet;
using Flip.Flower.Records;
using W = Flip.Flower.Wire;
using ConfigRecord = Flip.Flower.Records.ConfigRecord;

namespace Flip.Flower.Legacy;

/// <summary>
/// Drives a <see cref="Strategy"/> round by round over clients of Flower's legacy transport (<c>FlowerService/Join</c>):
/// what Flower's deprecated <c>start_server()</c> does, with the one <see cref="RoundLoop"/> (strategies, seeds, metric
/// records, failure handling) the simulation and <see cref="FleetFederation"/> run.
/// </summary>
/// <remarks>
/// The legacy transport carries no node identity, so clients are sites <c>legacy-1</c>, <c>legacy-2</c>, … in the order they
/// join. A client that leaves becomes a <see cref="SiteFailure"/> (<see cref="FailureCategory.Dropout"/>); a client that joins
/// later takes the first vacated slot (a reconnect) or becomes a new site, from the next round. Parameters travel as ordered NPY
/// tensors named from the model's layout; config values must be scalars (the legacy map has no lists). After the last round
/// every client gets <c>reconnect_ins</c> with 0 seconds, as <c>start_server</c> sends.
/// </remarks>
public sealed class LegacyFederation : ISiteGrid
{
    private readonly LegacyFlowerService _service;
    private readonly Strategy _strategy;
    private readonly FleetFederationOptions _options;
    private readonly List<(SiteId Site, LegacyClientProxy Client)> _slots = [];
    private Dictionary<SiteId, LegacyClientProxy> _live = [];

    /// <summary>Creates the driver.</summary>
    /// <param name="service">The legacy service the clients join.</param>
    /// <param name="strategy">The strategy.</param>
    /// <param name="options">Rounds, minimum clients, waits and deadlines; <see langword="null"/> for defaults.</param>
    /// <exception cref="FlipException">The strategy is <see cref="Flip.Federated.SecureAggregation.SecureFedAvg"/>: the legacy transport
    /// carries plain fit results, so the server would see every update; secure aggregation runs over the Fleet API (<see cref="FleetFederation"/>).</exception>
    public LegacyFederation(LegacyFlowerService service, Strategy strategy, FleetFederationOptions? options = null)
    {
        _service = service ?? throw new ArgumentNullException(nameof(service));
        _strategy = strategy ?? throw new ArgumentNullException(nameof(strategy));
        if (strategy is Flip.Federated.SecureAggregation.SecureFedAvg)
        {
            throw new FlipException("Secure aggregation (fedavg-secagg) cannot run over the legacy transport: its fit results carry each update in the clear.",
                ExitCodes.BadCommandLine, "serve over the Fleet API (the default transport); 'flip-research client' nodes take part in secure aggregation automatically.");
        }

        _options = options ?? new FleetFederationOptions();
    }

    /// <summary>Called with a line to show when a client joins, rejoins or leaves.</summary>
    public Action<string>? OnEvent { get; init; }

    /// <summary>Waits for the clients, runs every round, then disconnects them.</summary>
    /// <param name="initial">The initial global model.</param>
    /// <param name="progress">Receives a report after every round.</param>
    /// <param name="ct">Stops the run.</param>
    /// <returns>The final model, the long-format metrics and the failures.</returns>
    /// <exception cref="FlipException">Too few clients joined in time.</exception>
    public async Task<RunResult> RunAsync(ParameterSet initial, IProgress<RoundReport>? progress = null, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(initial);
        var loop = new RoundLoop(this, _strategy, new RoundLoopOptions { Rounds = _options.Rounds, Seed = _options.Seed, MinSites = _options.MinNodes });
        RunResult result = await loop.RunAsync(initial, null, progress, ct).ConfigureAwait(false);
        await DisconnectAllAsync().ConfigureAwait(false);
        return result;
    }

    /// <summary>Seats the clients that joined since the last round; waits until <see cref="FleetFederationOptions.MinNodes"/> are connected, every round, as <c>start_server</c> does.</summary>
    async Task<IReadOnlyList<SiteId>> ISiteGrid.SitesAsync(int round, int minimum, CancellationToken ct)
    {
        await EnsureClientsAsync(Math.Max(minimum, _options.MinNodes), ct).ConfigureAwait(false);
        _live = _slots.Where(s => !s.Client.IsClosed).ToDictionary(s => s.Site, s => s.Client);
        return [.. _live.Keys];
    }

    async Task ISiteGrid.TrainAsync(int round, ParameterSet global, IReadOnlyList<TrainInstruction> instructions, Func<TrainReply, string?> accept, List<SiteFailure> failures,
        CancellationToken ct)
    {
        var fits = instructions.Select(instruction => (instruction.Site, Task: _live.TryGetValue(instruction.Site, out LegacyClientProxy? client)
            ? FitAsync(client, global, SiteFlowerApp.ToConfigRecord(instruction.Config, round), ct)
            : Task.FromResult<(SiteUpdate?, (FailureCategory Category, string Reason)?)>((null, (FailureCategory.Dropout, "the client is not connected"))))).ToList();
        foreach (var (site, task) in fits)
        {
            var (update, failure) = await task.ConfigureAwait(false);
            string? refused = update is null ? null : accept(new TrainReply(site, update));
            if (update is null || refused is not null)
            {
                failures.Add(new SiteFailure(site, round, "train", failure?.Category ?? FailureCategory.InvalidReply, failure?.Reason ?? refused!));
            }
        }
    }

    async Task ISiteGrid.EvaluateAsync(int round, ParameterSet global, IReadOnlyList<EvaluateInstruction> instructions, Func<EvaluateReply, string?> accept,
        List<SiteFailure> failures, CancellationToken ct)
    {
        var evaluations = instructions.Select(instruction => (instruction.Site, Task: _live.TryGetValue(instruction.Site, out LegacyClientProxy? client)
            ? EvaluateAsync(client, global, SiteFlowerApp.ToConfigRecord(instruction.Config, round), ct)
            : Task.FromResult<(SiteEvaluation?, (FailureCategory Category, string Reason)?)>((null, (FailureCategory.Dropout, "the client is not connected"))))).ToList();
        foreach (var (site, task) in evaluations)
        {
            var (evaluation, failure) = await task.ConfigureAwait(false);
            string? refused = evaluation is null ? null : accept(new EvaluateReply(site, evaluation));
            if (evaluation is null || refused is not null)
            {
                failures.Add(new SiteFailure(site, round, "evaluate", failure?.Category ?? FailureCategory.InvalidReply, failure?.Reason ?? refused!));
            }
        }
    }

    private async Task EnsureClientsAsync(int minimum, CancellationToken ct)
    {
        while (_service.TryTakeClient(out LegacyClientProxy? joined))
        {
            Seat(joined);
        }

        using var wait = CancellationTokenSource.CreateLinkedTokenSource(ct);
        wait.CancelAfter(_options.NodeWait);
        while (_slots.Count(s => !s.Client.IsClosed) < minimum)
        {
            try
            {
                Seat(await _service.WaitForClientAsync(wait.Token).ConfigureAwait(false));
            }
            catch (OperationCanceledException) when (!ct.IsCancellationRequested)
            {
                throw new FlipException(Invariant($"only {_slots.Count(s => !s.Client.IsClosed)} of the {minimum} legacy clients needed were connected within {_options.NodeWait}."),
                    ExitCodes.RunFailed, "start more clients with 'flip-research client --transport legacy' (or Flower's start_client), or lower --min-nodes.");
            }
        }
    }

    private void Seat(LegacyClientProxy client)
    {
        int vacant = _slots.FindIndex(s => s.Client.IsClosed);
        if (vacant >= 0)
        {
            _slots[vacant] = (_slots[vacant].Site, client);
            OnEvent?.Invoke(Invariant($"{_slots[vacant].Site.Value} reconnected from {client.Peer}"));
            return;
        }

        var site = new SiteId(Invariant($"legacy-{_slots.Count + 1}"));
        _slots.Add((site, client));
        OnEvent?.Invoke(Invariant($"{site.Value} joined from {client.Peer}"));
    }

    private async Task<(SiteUpdate? Update, (FailureCategory Category, string Reason)? Failure)> FitAsync(LegacyClientProxy client, ParameterSet global, ConfigRecord config, CancellationToken ct)
    {
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(ct);
        deadline.CancelAfter(_options.RoundDeadline);
        try
        {
            W.ClientMessage.Types.FitRes res = await client.FitAsync(global.ToArrayRecord(), Scalars(config), deadline.Token).ConfigureAwait(false);
            if (res.Status is { } status && status.Code != W.Code.Ok)
            {
                return (null, (FailureCategory.Trainer, Invariant($"fit answered {status.Code}: {status.Message}")));
            }

            var arrays = LegacyConversions.ToArrayRecord(res.Parameters ?? new W.Parameters());
            var parameters = ParameterSetRecords.FromFlowerArrays([.. arrays.Select(a => a.Value)], global.Layout);
            return (new SiteUpdate(parameters, ParameterKind.Full, (long)res.NumExamples, ToMetrics(res.Metrics)), null);
        }
        catch (FlowerProtocolException e) when (!ct.IsCancellationRequested)
        {
            return (null, Classify(e, client));
        }
    }

    private async Task<(SiteEvaluation? Evaluation, (FailureCategory Category, string Reason)? Failure)> EvaluateAsync(LegacyClientProxy client, ParameterSet global, ConfigRecord config, CancellationToken ct)
    {
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(ct);
        deadline.CancelAfter(_options.RoundDeadline);
        try
        {
            W.ClientMessage.Types.EvaluateRes res = await client.EvaluateAsync(global.ToArrayRecord(), Scalars(config), deadline.Token).ConfigureAwait(false);
            if (res.Status is { } status && status.Code != W.Code.Ok)
            {
                return (null, (FailureCategory.Trainer, Invariant($"evaluate answered {status.Code}: {status.Message}")));
            }

            var values = ToMetrics(res.Metrics).ToDictionary(m => m.Key, m => m.Value);
            values.TryAdd("loss", res.Loss);
            return (new SiteEvaluation((long)res.NumExamples, MetricSet.From(values)), null);
        }
        catch (FlowerProtocolException e) when (!ct.IsCancellationRequested)
        {
            return (null, Classify(e, client));
        }
    }

    private (FailureCategory, string) Classify(FlowerProtocolException e, LegacyClientProxy client)
    {
        var category = e.Message.Contains("deadline", StringComparison.Ordinal) ? FailureCategory.Timeout
            : client.IsClosed ? FailureCategory.Dropout
            : FailureCategory.InvalidReply;
        if (client.IsClosed)
        {
            OnEvent?.Invoke(Invariant($"{_slots.First(s => s.Client == client).Site.Value} left ({category})"));
        }

        return (category, e.Message);
    }

    private async Task DisconnectAllAsync()
    {
        foreach (var (_, client) in _slots.Where(s => !s.Client.IsClosed))
        {
            using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(30));
            try
            {
                await client.DisconnectAsync(0, deadline.Token).ConfigureAwait(false);
            }
            catch (FlowerProtocolException)
            {
                // A client already gone needs no goodbye.
            }
        }
    }

    // The legacy map has no lists: a strategy that sends one (FedBN's local parameter names) cannot run over this transport.
    private static ConfigRecord Scalars(ConfigRecord config)
    {
        foreach (var (key, value) in config)
        {
            if (value.Kind is not (RecordValueKind.Double or RecordValueKind.SInt64 or RecordValueKind.UInt64 or RecordValueKind.Bool or RecordValueKind.String or RecordValueKind.Bytes))
            {
                throw new FlipException(Invariant($"the strategy sends '{key}' as a list, which Flower's legacy transport cannot carry; expected scalar config values only."),
                    ExitCodes.BadCommandLine, "use the Fleet transport (serve without --transport legacy) for this strategy.");
            }
        }

        return config;
    }

    private static MetricSet ToMetrics(Google.Protobuf.Collections.MapField<string, W.Scalar> map)
        => MetricSet.From(map.Where(kv => kv.Value.ScalarCase is W.Scalar.ScalarOneofCase.Double or W.Scalar.ScalarOneofCase.Sint64 or W.Scalar.ScalarOneofCase.Uint64 or W.Scalar.ScalarOneofCase.Bool)
            .Select(kv => KeyValuePair.Create(kv.Key, kv.Value.ScalarCase switch
            {
                W.Scalar.ScalarOneofCase.Double => kv.Value.Double,
                W.Scalar.ScalarOneofCase.Sint64 => kv.Value.Sint64,
                W.Scalar.ScalarOneofCase.Uint64 => kv.Value.Uint64,
                _ => kv.Value.Bool ? 1 : 0,
            })));

    private static string Invariant(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);
}
