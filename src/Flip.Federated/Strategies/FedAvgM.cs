namespace Flip.Federated.Strategies;

/// <summary>
/// FedAvgM: FedAvg with server momentum. The FedAvg result defines a pseudo-gradient
/// Δ = x − Σᵢ (nᵢ/n)·yᵢ; the server keeps v ← β·v + Δ and steps x ← x − η·v.
/// </summary>
/// <remarks>
/// Hsu, Qi and Brown, 2019, "Measuring the Effects of Non-Identical Data Distribution for Federated
/// Visual Classification", arXiv:1909.06335, §3 (FedAvgM): v ← βv + Δw, w ← w − v (with server
/// learning rate η, as Flower's <c>FedAvgM</c>). With β = 0 and η = 1 it is FedAvg. The site does what
/// it does for FedAvg.
/// </remarks>
public sealed class FedAvgM : FedAvg
{
    private ParameterSet? _velocity;

    /// <inheritdoc/>
    public override string Name => "fedavgm";

    /// <summary>The server learning rate η.</summary>
    /// <value>1.</value>
    public double ServerLearningRate { get; init; } = 1.0;

    /// <summary>The server momentum β.</summary>
    /// <value>0.9.</value>
    public double Momentum { get; init; } = 0.9;

    /// <inheritdoc/>
    protected override ParameterSet FromAverage(RoundContext round, ParameterSet global, ParameterSet average)
    {
        var pseudoGradient = ParameterMath.Subtract(global, average, "the FedAvg result");
        _velocity = _velocity is null ? pseudoGradient : ParameterMath.AddScaled(pseudoGradient, _velocity, Momentum, "the server momentum");
        return ParameterMath.AddScaled(global, _velocity, -ServerLearningRate, "the server momentum");
    }

    /// <inheritdoc/>
    public override ParameterSet? ExportState() => _velocity;

    /// <inheritdoc/>
    public override void ImportState(ParameterSet state) => _velocity = state;

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

        if (!(Momentum >= 0 && Momentum < 1))
        {
            yield return Invariant($"Momentum must be in [0, 1) (got {Momentum}).");
        }
    }
}
