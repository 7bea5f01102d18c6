namespace Flip.Federated.Strategies;

/// <summary>FedAdam: Adam on the server over FedAvg's pseudo-gradient.</summary>
/// <remarks>Reddi et al., 2021, arXiv:2003.00295, Algorithm 2 (FedAdam): vₜ = β₂vₜ₋₁ + (1 − β₂)Δₜ². No bias correction, as in the paper.</remarks>
public sealed class FedAdam : FedOpt
{
    /// <inheritdoc/>
    public override string Name => "fedadam";

    /// <inheritdoc/>
    protected override double NextSecondMoment(double v, double squaredDelta) => (Beta2 * v) + ((1 - Beta2) * squaredDelta);
}
