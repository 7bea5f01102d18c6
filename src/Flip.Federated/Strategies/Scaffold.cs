namespace Flip.Federated.Strategies;

/// <summary>
/// SCAFFOLD: stochastic controlled averaging. The server keeps a control variate c, each site its own
/// cᵢ; sites correct every local gradient by c − cᵢ, which removes client drift on non-IID data.
/// </summary>
/// <remarks>
/// Karimireddy et al., 2020, "SCAFFOLD: Stochastic Controlled Averaging for Federated Learning", ICML,
/// arXiv:1910.06378, Algorithm 1. Server (lines 16–17): x ← x + η_g · (1/|S|) Σ_{i∈S} Δyᵢ and
/// c ← c + (1/N) Σ_{i∈S} Δcᵢ, with N the number of sites. The site (lines 9–13): every step
/// y ← y − η_l (gᵢ(y) − cᵢ + c), reading c from <see cref="TrainConfig.ServerControlVariate"/> and cᵢ
/// from <see cref="SiteState.ControlVariate"/>, and report its step count K as
/// <see cref="MetricNames.LocalSteps"/>; <see cref="Site"/> then sets cᵢ⁺ = cᵢ − c + (x − yᵢ)/(K η_l)
/// (option II) and sends Δcᵢ. The average is unweighted, as in the paper.
/// </remarks>
public sealed class Scaffold : Strategy
{
    private ParameterSet? _control;

    /// <inheritdoc/>
    public override string Name => "scaffold";

    /// <summary>The global (server) learning rate η_g.</summary>
    /// <value>1.</value>
    public double ServerLearningRate { get; init; } = 1.0;

    /// <summary>The server control variate c (zero before the first round).</summary>
    public ParameterSet? ServerControlVariate => _control;

    /// <inheritdoc/>
    protected override TrainConfig ConfigFor(RoundContext round, SiteId site, ParameterSet global)
    {
        ArgumentNullException.ThrowIfNull(global);
        _control ??= ParameterSet.Zeros(global.Layout);
        return base.ConfigFor(round, site, global) with { UseControlVariates = true, ServerControlVariate = _control };
    }

    /// <inheritdoc/>
    public override ParameterSet AggregateTrain(RoundContext round, ParameterSet global, TrainReplies replies)
    {
        ArgumentNullException.ThrowIfNull(round);
        ArgumentNullException.ThrowIfNull(global);
        ArgumentNullException.ThrowIfNull(replies);
        EnsureEnoughReplies(round, replies);
        var senders = replies.Succeeded.Select(r => r.Site.Value).ToList();
        var deltas = replies.Succeeded.Select(r => Difference(global, r)).ToList();
        var controlDeltas = replies.Succeeded
            .Select(r => r.Update.ControlVariateDelta ?? throw AggregationException.MissingControlVariate(round.Round, r.Site))
            .ToList();

        var meanDelta = ParameterMath.Mean(deltas, senders);
        var next = ParameterMath.AddScaled(global, meanDelta, ServerLearningRate);
        _control ??= ParameterSet.Zeros(global.Layout);
        var controlSum = ParameterMath.Scale(ParameterMath.Mean(controlDeltas, senders), controlDeltas.Count);
        _control = ParameterMath.AddScaled(_control, controlSum, 1.0 / Math.Max(1, round.Sites.Count));
        return next;
    }

    /// <inheritdoc/>
    public override ParameterSet? ExportState() => _control;

    /// <inheritdoc/>
    public override void ImportState(ParameterSet state) => _control = state;

    /// <inheritdoc/>
    public override IEnumerable<string> Validate()
    {
        foreach (var problem in base.Validate())
        {
            yield return problem;
        }

        if (!(ServerLearningRate > 0) || !double.IsFinite(ServerLearningRate))
        {
            yield return Invariant($"ServerLearningRate must be a finite number > 0 (got {ServerLearningRate}).");
        }
    }
}
