namespace Flip.Federated.Strategies;

/// <summary>FedAdagrad: Adagrad on the server over FedAvg's pseudo-gradient.</summary>
/// <remarks>
/// Reddi et al., 2021, arXiv:2003.00295, Algorithm 2 (FedAdagrad): vₜ = vₜ₋₁ + Δₜ². β₁ defaults to 0
/// here (plain Adagrad, as Flower's <c>FedAdagrad</c>); set it for the paper's momentum variant.
/// </remarks>
public sealed class FedAdagrad : FedOpt
{
    /// <summary>Creates FedAdagrad with β₁ = 0.</summary>
    public FedAdagrad() => Beta1 = 0;

    /// <inheritdoc/>
    public override string Name => "fedadagrad";

    /// <inheritdoc/>
    protected override double NextSecondMoment(double v, double squaredDelta) => v + squaredDelta;
}
