namespace Flip.Federated.Strategies;

/// <summary>
/// The adaptive federated optimisers of Reddi et al.: the FedAvg result defines a pseudo-gradient
/// Δ = Σᵢ (nᵢ/n)·yᵢ − x, on which the server runs Adam, Yogi or Adagrad.
/// </summary>
/// <remarks>
/// Reddi et al., 2021, "Adaptive Federated Optimization", ICLR, arXiv:2003.00295, Algorithm 2:
/// mₜ = β₁mₜ₋₁ + (1 − β₁)Δₜ; vₜ per optimiser (see <see cref="NextSecondMoment"/>);
/// xₜ₊₁ = xₜ + η · mₜ / (√vₜ + τ), with m₋₁ = 0 and v₋₁ = τ². The site does what it does for FedAvg.
/// </remarks>
public abstract class FedOpt : FedAvg
{
    private ParameterSet? _m;
    private ParameterSet? _v;

    /// <summary>The server learning rate η.</summary>
    /// <value>0.1 (Flower's default).</value>
    public double ServerLearningRate { get; init; } = 0.1;

    /// <summary>The first-moment decay β₁.</summary>
    /// <value>0.9.</value>
    public double Beta1 { get; init; } = 0.9;

    /// <summary>The second-moment decay β₂ (unused by Adagrad).</summary>
    /// <value>0.99.</value>
    public double Beta2 { get; init; } = 0.99;

    /// <summary>The adaptivity τ: added to √v, and v starts at τ².</summary>
    /// <value>1e-3 (the paper's usual best value).</value>
    public double Tau { get; init; } = 1e-3;

    /// <summary>The next second moment of one coordinate.</summary>
    /// <param name="v">vₜ₋₁.</param>
    /// <param name="squaredDelta">Δₜ².</param>
    /// <returns>vₜ.</returns>
    protected abstract double NextSecondMoment(double v, double squaredDelta);

    /// <inheritdoc/>
    protected override ParameterSet FromAverage(RoundContext round, ParameterSet global, ParameterSet average)
    {
        ArgumentNullException.ThrowIfNull(global);
        var delta = ParameterMath.Subtract(average, global, "the FedAvg result");
        _m ??= ParameterSet.Zeros(global.Layout);
        _v ??= ParameterMath.Map(ParameterSet.Zeros(global.Layout), _ => Tau * Tau);
        _m = ParameterMath.Zip(_m, delta, (m, d) => (Beta1 * m) + ((1 - Beta1) * d));
        _v = ParameterMath.Zip(_v, delta, (v, d) => NextSecondMoment(v, d * d));
        var step = ParameterMath.Zip(_m, _v, (m, v) => ServerLearningRate * m / (Math.Sqrt(v) + Tau));
        return ParameterMath.Add(global, step, "the server optimiser");
    }

    /// <inheritdoc/>
    public override ParameterSet? ExportState()
        => _m is null || _v is null
            ? null
            : ParameterSet.Create(_m.Select(a => a.Rename("m/" + a.Name)).Concat(_v.Select(a => a.Rename("v/" + a.Name))));

    /// <inheritdoc/>
    public override void ImportState(ParameterSet state)
    {
        ArgumentNullException.ThrowIfNull(state);
        _m = ParameterSet.Create(state.Where(a => a.Name.StartsWith("m/", StringComparison.Ordinal)).Select(a => a.Rename(a.Name[2..])));
        _v = ParameterSet.Create(state.Where(a => a.Name.StartsWith("v/", StringComparison.Ordinal)).Select(a => a.Rename(a.Name[2..])));
    }

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

        if (!(Beta1 >= 0 && Beta1 < 1))
        {
            yield return Invariant($"Beta1 must be in [0, 1) (got {Beta1}).");
        }

        if (!(Beta2 >= 0 && Beta2 < 1))
        {
            yield return Invariant($"Beta2 must be in [0, 1) (got {Beta2}).");
        }

        if (!(Tau > 0) || !double.IsFinite(Tau))
        {
            yield return Invariant($"Tau must be a finite number > 0 (got {Tau}).");
        }
    }
}
