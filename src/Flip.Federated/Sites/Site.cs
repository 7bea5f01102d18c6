using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Flip.Federated;

/// <summary>
/// A participant in a federation: an id, the trainer that holds its data, and the state that stays
/// with it. The same class serves a simulated site and a real hospital node, so there is one code path.
/// </summary>
/// <remarks>
/// Around the trainer the site does what a strategy asks of every site, so trainers don't have to:
/// it puts back the parameters it keeps locally (FedBN, local-only) before training and evaluating,
/// and never sends their values; it updates SCAFFOLD's cᵢ (Karimireddy et al. 2020, Alg. 1 line 12,
/// option II); it clips and noises its update for local DP-FedAvg; and it fine-tunes before
/// evaluating when asked.
/// </remarks>
public sealed class Site
{
    private readonly ILogger _logger;

    /// <summary>Creates a site.</summary>
    /// <param name="id">The site's id.</param>
    /// <param name="trainer">The trainer over the site's data.</param>
    /// <param name="logger">Where the site logs locally; <see cref="NullLogger"/> by default.</param>
    public Site(SiteId id, ISiteTrainer trainer, ILogger? logger = null)
    {
        ArgumentNullException.ThrowIfNull(trainer);
        Id = id;
        Trainer = trainer;
        _logger = logger ?? NullLogger.Instance;
    }

    /// <summary>The site's id.</summary>
    public SiteId Id { get; }

    /// <summary>The trainer over the site's data.</summary>
    public ISiteTrainer Trainer { get; }

    /// <summary>
    /// Whether the site's local DP noise is drawn from a generator seeded by the round's seed, so that a simulation
    /// repeats exactly. Only for simulations: the seed comes from the server, which could then regenerate the noise and
    /// subtract it. By default (every real node) the noise comes from the operating system's secure generator.
    /// </summary>
    public bool SeededPrivacyNoise { get; init; }

    /// <summary>What persists here between rounds and never leaves.</summary>
    public SiteState State { get; } = new();

    /// <summary>Trains one round and returns what the site sends to the server.</summary>
    /// <param name="global">The global parameters.</param>
    /// <param name="config">The server's instruction for this site.</param>
    /// <param name="ct">Cancels training.</param>
    /// <returns>The update to send: the site's local parameters replaced by the global values, clipped and noised when asked.</returns>
    /// <exception cref="ParameterLayoutException">The trainer returned parameters of another layout.</exception>
    /// <exception cref="InvalidOperationException">SCAFFOLD was asked for but the server control variate or the step count is missing.</exception>
    public async Task<SiteUpdate> TrainAsync(ParameterSet global, TrainConfig config, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(global);
        ArgumentNullException.ThrowIfNull(config);
        var start = WithLocalParameters(global, config.LocalParameterNames);
        var update = await Trainer.TrainAsync(start, config, State, ct).ConfigureAwait(false);
        global.Layout.EnsureSame(update.Parameters.Layout, Id.Value);
        var trained = update.Kind == ParameterKind.Full ? update.Parameters : ParameterMath.Add(start, update.Parameters, Id.Value);
        State.RoundsTrained++;

        if (config.LocalParameterNames.Count > 0)
        {
            var names = config.LocalParameterNames.ToHashSet(StringComparer.Ordinal);
            State.LocalParameters = trained.Where(a => names.Contains(a.Name));
            trained = trained.Replace(global.Where(a => names.Contains(a.Name)));
        }

        ParameterSet? controlDelta = null;
        if (config.UseControlVariates)
        {
            controlDelta = UpdateControlVariate(global, trained, config, update.Metrics);
        }

        var metrics = update.Metrics;
        if (config.ClippingNorm is double clip)
        {
            var delta = ParameterMath.Subtract(trained, global, Id.Value);
            double norm = ParameterMath.L2Norm(delta);
            double factor = norm > clip ? clip / norm : 1.0;
            delta = ParameterMath.Scale(delta, factor);
            if (config.LocalNoiseStandardDeviation > 0)
            {
                var gaussian = new Gaussian(SeededPrivacyNoise ? new Random(Seeds.Derive(config.Seed, 7)) : new SecureRandom());
                delta = gaussian.AddNoise(delta, config.LocalNoiseStandardDeviation);
            }

            metrics = metrics.With(MetricNames.UpdateUnclipped, norm <= clip ? 1 : 0);
            _logger.LogDebug("Site {Site} clipped its round {Round} update with factor {Factor}.", Id.Value, config.Round, factor);
            return new SiteUpdate(delta, ParameterKind.Difference, update.ExampleCount, metrics) { ControlVariateDelta = controlDelta };
        }

        return new SiteUpdate(trained, ParameterKind.Full, update.ExampleCount, metrics) { ControlVariateDelta = controlDelta };
    }

    /// <summary>Evaluates on the site's own held-out data, after putting back local parameters and fine-tuning when asked.</summary>
    /// <param name="global">The global parameters.</param>
    /// <param name="config">The server's instruction for this site.</param>
    /// <param name="ct">Cancels evaluation.</param>
    /// <returns>The held-out example count and metrics.</returns>
    public async Task<SiteEvaluation> EvaluateAsync(ParameterSet global, EvaluateConfig config, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(global);
        ArgumentNullException.ThrowIfNull(config);
        var parameters = WithLocalParameters(global, config.LocalParameterNames);
        if (config.FineTuneEpochs > 0)
        {
            var tuneConfig = new TrainConfig
            {
                Round = config.Round,
                LocalEpochs = config.FineTuneEpochs,
                LearningRate = config.FineTuneLearningRate,
                Seed = Seeds.Derive(config.Seed, 11),
            };
            var tuned = await Trainer.TrainAsync(parameters, tuneConfig, State.FineTuning, ct).ConfigureAwait(false);
            parameters.Layout.EnsureSame(tuned.Parameters.Layout, Id.Value);
            parameters = tuned.Kind == ParameterKind.Full ? tuned.Parameters : ParameterMath.Add(parameters, tuned.Parameters, Id.Value);
        }

        return await Trainer.EvaluateAsync(parameters, config, State, ct).ConfigureAwait(false);
    }

    /// <summary>The site's counts and label balance.</summary>
    /// <returns>The trainer's summary.</returns>
    public SiteSummary Describe() => Trainer.Describe();

    /// <summary>The site's id.</summary>
    /// <returns>The id text.</returns>
    public override string ToString() => Id.Value;

    private ParameterSet WithLocalParameters(ParameterSet global, IReadOnlyList<string> names)
    {
        if (names.Count == 0 || State.LocalParameters is not { } kept)
        {
            return global;
        }

        var wanted = names.ToHashSet(StringComparer.Ordinal);
        return global.Replace(kept.Where(a => wanted.Contains(a.Name)));
    }

    // SCAFFOLD option II: cᵢ⁺ = cᵢ − c + (x − yᵢ) / (K·η_l); the site sends Δcᵢ = cᵢ⁺ − cᵢ.
    private ParameterSet UpdateControlVariate(ParameterSet global, ParameterSet trained, TrainConfig config, MetricSet metrics)
    {
        var serverControl = config.ServerControlVariate
            ?? throw new InvalidOperationException($"Site {Id}: SCAFFOLD needs the server control variate in the train config, and it was missing.");
        double steps = metrics.GetValueOrDefault(MetricNames.LocalSteps, 0);
        if (steps <= 0 || config.LearningRate <= 0)
        {
            throw new InvalidOperationException($"Site {Id}: SCAFFOLD needs the trainer to report `{MetricNames.LocalSteps}` > 0 and a learning rate > 0 (got {steps} steps, η = {config.LearningRate}).");
        }

        var siteControl = State.ControlVariate ?? ParameterSet.Zeros(global.Layout);
        double scale = 1.0 / (steps * config.LearningRate);
        var drift = ParameterMath.Subtract(global, trained, Id.Value);
        var next = ParameterMath.AddScaled(ParameterMath.Subtract(siteControl, serverControl, "the server"), drift, scale, Id.Value);
        var delta = ParameterMath.Subtract(next, siteControl, Id.Value);
        State.ControlVariate = next;
        return delta;
    }
}
