using Flip.Federated.Strategies;

namespace Flip.Federated.Privacy;

/// <summary>
/// DP-FedAvg: client-level differential privacy. Every site's update Δᵢ = yᵢ − x is clipped to L2
/// norm C, the clipped updates are averaged with equal weight, Gaussian noise of standard deviation
/// z·C/m is added (or z·C at each site in local mode), and an RDP accountant reports (ε, δ) after
/// every round as the <see cref="MetricNames.Epsilon"/> metric.
/// </summary>
/// <remarks>
/// McMahan, Ramage, Talwar and Zhang, 2018, "Learning Differentially Private Recurrent Language
/// Models", ICLR, arXiv:1710.06963, Algorithm 1 (DP-FedAvg with the fixed-denominator estimator
/// Δ̄ = Σᵢ Δ̂ᵢ / m and noise N(0, (zC/m)²)); adaptive clipping from Andrew et al. 2021
/// (<see cref="AdaptiveClipping"/>). Privacy is accounted as the sampled Gaussian mechanism with
/// q = m/N per round (Mironov et al. 2019) — exact for Poisson sampling of sites, an approximation
/// for the fixed-size sampling the simulation does. Weighting by example counts would leak them, so
/// the mean is unweighted. The site: nothing beyond FedAvg in central mode; in local mode
/// <see cref="Site"/> clips its update to <see cref="TrainConfig.ClippingNorm"/> and adds
/// N(0, <see cref="TrainConfig.LocalNoiseStandardDeviation"/>²) before sending it.
/// </remarks>
public sealed class DifferentialPrivacyFedAvg : Strategy
{
    private readonly List<double> _samplingRates = [];
    private RdpAccountant _accountant;
    private double? _clippingNorm;
    private MetricSet _lastRound = MetricSet.Empty;

    /// <summary>Creates the strategy.</summary>
    public DifferentialPrivacyFedAvg() => _accountant = new RdpAccountant();

    /// <inheritdoc/>
    public override string Name => "dp-fedavg";

    /// <summary>The (initial) clipping norm C.</summary>
    /// <value>1.</value>
    public double ClippingNorm { get; init; } = 1.0;

    /// <summary>The noise multiplier z: noise standard deviation over the sensitivity C.</summary>
    /// <value>1.</value>
    public double NoiseMultiplier { get; init; } = 1.0;

    /// <summary>Where the noise is added.</summary>
    /// <value><see cref="NoisePlacement.Central"/>.</value>
    public NoisePlacement Noise { get; init; } = NoisePlacement.Central;

    /// <summary>Adaptive clipping, or <see langword="null"/> for a fixed norm.</summary>
    /// <value><see langword="null"/>.</value>
    public AdaptiveClipping? Adaptive { get; init; }

    /// <summary>The server learning rate applied to the noised mean update.</summary>
    /// <value>1 (plain DP-FedAvg).</value>
    public double ServerLearningRate { get; init; } = 1.0;

    /// <summary>The δ at which ε is reported.</summary>
    /// <value>1e-5.</value>
    public double Delta { get; init; } = 1e-5;

    /// <summary>How RDP is converted to ε.</summary>
    /// <value><see cref="EpsilonConversion.Improved"/>.</value>
    public EpsilonConversion Conversion { get; init; } = EpsilonConversion.Improved;

    /// <summary>The clipping norm the next round will use.</summary>
    public double CurrentClippingNorm => _clippingNorm ?? ClippingNorm;

    /// <summary>The privacy spent so far at <see cref="Delta"/>.</summary>
    public (double Epsilon, double Delta) PrivacySpent => (_samplingRates.Count == 0 ? 0 : _accountant.GetEpsilon(Delta, Conversion).Epsilon, Delta);

    /// <summary>The noise multiplier applied to the updates: z, or z_Δ = (z⁻² − (2σ_b)⁻²)^(−1/2) with adaptive clipping.</summary>
    /// <param name="sampledSites">m, the sites sampled in the round.</param>
    /// <returns>The update noise multiplier.</returns>
    public double UpdateNoiseMultiplier(int sampledSites)
    {
        if (Adaptive is null)
        {
            return NoiseMultiplier;
        }

        double countNoise = CountNoise(sampledSites);
        if (countNoise <= 0)
        {
            return NoiseMultiplier;
        }

        double inner = Math.Pow(NoiseMultiplier, -2) - Math.Pow(2 * countNoise, -2);
        if (!(inner > 0))
        {
            throw ValidationException.Of(
                Name,
                [Invariant($"with adaptive clipping over {sampledSites} sites the count noise σ_b = {countNoise} leaves no privacy budget for the updates: NoiseMultiplier ({NoiseMultiplier}) must be below 2σ_b = {2 * countNoise}. Raise Adaptive.CountNoiseStandardDeviation or lower NoiseMultiplier.")]);
        }

        return Math.Pow(inner, -0.5);
    }

    /// <inheritdoc/>
    protected override TrainConfig ConfigFor(RoundContext round, SiteId site, ParameterSet global)
    {
        var config = base.ConfigFor(round, site, global);
        if (Noise == NoisePlacement.Local)
        {
            int sampled = Math.Max(1, round.Sites.Count);
            config = config with { ClippingNorm = CurrentClippingNorm, LocalNoiseStandardDeviation = UpdateNoiseMultiplier(sampled) * CurrentClippingNorm };
        }

        return config;
    }

    /// <inheritdoc/>
    public override ParameterSet AggregateTrain(RoundContext round, ParameterSet global, TrainReplies replies)
    {
        ArgumentNullException.ThrowIfNull(round);
        ArgumentNullException.ThrowIfNull(global);
        ArgumentNullException.ThrowIfNull(replies);
        EnsureEnoughReplies(round, replies);
        int m = replies.Succeeded.Count;
        double clip = CurrentClippingNorm;
        double z = UpdateNoiseMultiplier(m);
        var gaussian = new Gaussian(round.Random);

        var clipped = new List<ParameterSet>(m);
        int unclipped = 0;
        foreach (var reply in replies.Succeeded)
        {
            var delta = Difference(global, reply);
            if (Noise == NoisePlacement.Central)
            {
                double norm = ParameterMath.L2Norm(delta);
                unclipped += norm <= clip ? 1 : 0;
                clipped.Add(norm > clip ? ParameterMath.Scale(delta, clip / norm) : delta);
            }
            else
            {
                unclipped += reply.Update.Metrics.GetValueOrDefault(MetricNames.UpdateUnclipped, 0) > 0 ? 1 : 0;
                clipped.Add(delta);
            }
        }

        var mean = ParameterMath.Mean(clipped, [.. replies.Succeeded.Select(r => r.Site.Value)]);
        double noiseStd = Noise == NoisePlacement.Central ? z * clip / m : 0;
        mean = gaussian.AddNoise(mean, noiseStd);
        var next = KeepVariancesValid(ParameterMath.AddScaled(global, mean, ServerLearningRate));

        if (Adaptive is { } adaptive)
        {
            double countNoise = CountNoise(m);
            double fraction = (unclipped + (countNoise * gaussian.Next())) / m;
            _clippingNorm = clip * Math.Exp(-adaptive.LearningRate * (fraction - adaptive.TargetQuantile));
        }

        // q counts every site sampled this round, answered or not: a site that failed was still asked.
        int sampled = m + replies.Failed.Count;
        double q = round.Sites.Count == 0 ? 1 : Math.Min(1, (double)sampled / round.Sites.Count);
        _accountant.Compose(q, NoiseMultiplier);
        _samplingRates.Add(q);
        _lastRound = MetricSet.Of(
            (MetricNames.Epsilon, PrivacySpent.Epsilon),
            (MetricNames.ClippingNorm, clip),
            (MetricNames.NoiseStandardDeviation, Noise == NoisePlacement.Central ? noiseStd : z * clip));
        return next;
    }

    // BatchNorm's running statistics come from the sites' data, so they are clipped and noised with the rest of the update
    // (the guarantee covers the whole update); noise can then push a running variance below zero, and BatchNorm would
    // evaluate √(negative) = NaN. Clamping it at 0 is post-processing of the private output: ε and δ are unchanged.
    private static ParameterSet KeepVariancesValid(ParameterSet next)
    {
        ParameterSet variances = next.Where(a => a.Name.EndsWith(".running_var", StringComparison.Ordinal));
        return variances.Count == 0 ? next : next.Replace(ParameterMath.Map(variances, v => Math.Max(v, 0)));
    }

    /// <inheritdoc/>
    public override MetricSet AggregateEvaluate(RoundContext round, EvaluateReplies replies)
    {
        var metrics = base.AggregateEvaluate(round, replies);
        foreach (var (name, value) in _lastRound)
        {
            metrics = metrics.With(name, value);
        }

        return metrics;
    }

    /// <inheritdoc/>
    public override ParameterSet? ExportState()
        => ParameterSet.Create(
            ParameterArray.Float64("dp/clipping-norm", [1], [CurrentClippingNorm]),
            ParameterArray.Float64("dp/sampling-rates", [_samplingRates.Count], [.. _samplingRates]),
            ParameterArray.Float64("dp/rdp", [_accountant.Rdp.Count], [.. _accountant.Rdp]));

    /// <inheritdoc/>
    public override void ImportState(ParameterSet state)
    {
        ArgumentNullException.ThrowIfNull(state);
        _clippingNorm = state["dp/clipping-norm"].AsFloat64().Span[0];
        _samplingRates.Clear();
        _samplingRates.AddRange(state["dp/sampling-rates"].AsFloat64().ToArray());
        _accountant = new RdpAccountant();
        _accountant.Restore(state["dp/rdp"].AsFloat64().ToArray());
    }

    /// <inheritdoc/>
    public override IEnumerable<string> Validate()
    {
        foreach (var problem in base.Validate())
        {
            yield return problem;
        }

        if (!(ClippingNorm > 0) || !double.IsFinite(ClippingNorm))
        {
            yield return Invariant($"ClippingNorm must be a finite number > 0 (got {ClippingNorm}).");
        }

        if (!(NoiseMultiplier > 0) || !double.IsFinite(NoiseMultiplier))
        {
            yield return Invariant($"NoiseMultiplier must be a finite number > 0 (got {NoiseMultiplier}).");
        }

        if (!(Delta > 0 && Delta < 1))
        {
            yield return Invariant($"Delta must be in (0, 1) (got {Delta}).");
        }

        if (Adaptive is { } adaptive)
        {
            if (!(adaptive.TargetQuantile > 0 && adaptive.TargetQuantile < 1))
            {
                yield return Invariant($"Adaptive.TargetQuantile must be in (0, 1) (got {adaptive.TargetQuantile}).");
            }

            if (!(adaptive.LearningRate > 0))
            {
                yield return Invariant($"Adaptive.LearningRate must be > 0 (got {adaptive.LearningRate}).");
            }

            if (adaptive.CountNoiseStandardDeviation is { } sigma && !(sigma >= 0))
            {
                yield return Invariant($"Adaptive.CountNoiseStandardDeviation must be ≥ 0 (got {sigma}).");
            }

            if (adaptive.CountNoiseStandardDeviation is { } s && s > 0 && NoiseMultiplier >= 2 * s)
            {
                yield return Invariant($"With adaptive clipping NoiseMultiplier ({NoiseMultiplier}) must be below 2 × the count noise ({2 * s}), or the update noise is undefined.");
            }
        }
    }

    private double CountNoise(int sampledSites) => Adaptive?.CountNoiseStandardDeviation ?? (sampledSites / 20.0);
}
