namespace Flip.Federated.Strategies;

/// <summary>FedYogi: Yogi on the server over FedAvg's pseudo-gradient; v grows or shrinks additively, which is gentler than Adam when Δ² jumps.</summary>
/// <remarks>Reddi et al., 2021, arXiv:2003.00295, Algorithm 2 (FedYogi): vₜ = vₜ₋₁ − (1 − β₂)Δₜ² sign(vₜ₋₁ − Δₜ²).</remarks>
public sealed class FedYogi : FedOpt
{
    /// <inheritdoc/>
    public override string Name => "fedyogi";

    /// <inheritdoc/>
    protected override double NextSecondMoment(double v, double squaredDelta)
        => v - ((1 - Beta2) * squaredDelta * Math.Sign(v - squaredDelta));
}
