namespace Flip.Federated.Privacy;

/// <summary>
/// Adaptive clipping of Andrew et al.: the clipping norm follows a quantile of the sites' update
/// norms, estimated privately from the noised count of sites whose update was not clipped.
/// </summary>
/// <remarks>
/// Andrew, Thakkar, McMahan and Ramaswamy, 2021, "Differentially Private Learning with Adaptive
/// Clipping", NeurIPS, arXiv:1905.03871, Algorithm 1: b̄ = (Σᵢ bᵢ + N(0, σ_b²)) / m with
/// bᵢ = 1{‖Δᵢ‖ ≤ C}, then C ← C · exp(−η_C (b̄ − γ)) (geometric update); the update noise multiplier
/// becomes z_Δ = (z⁻² − (2σ_b)⁻²)^(−1/2) so the pair stays equivalent to one Gaussian mechanism with z.
/// </remarks>
public sealed record AdaptiveClipping
{
    /// <summary>The target quantile γ of unclipped updates.</summary>
    /// <value>0.5 (the median norm; the paper's default).</value>
    public double TargetQuantile { get; init; } = 0.5;

    /// <summary>The clipping-norm learning rate η_C.</summary>
    /// <value>0.2 (the paper's default).</value>
    public double LearningRate { get; init; } = 0.2;

    /// <summary>The standard deviation σ_b of the noise on the count of unclipped sites; <see langword="null"/> for the paper's m/20.</summary>
    /// <value><see langword="null"/>: m/20 with m the sites sampled in the round.</value>
    public double? CountNoiseStandardDeviation { get; init; }
}
