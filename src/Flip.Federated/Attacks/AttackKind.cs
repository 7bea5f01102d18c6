namespace Flip.Federated.Attacks;

/// <summary>How a poisoned site corrupts its update Δ = y − x.</summary>
public enum AttackKind
{
    /// <summary>Sends x − s·Δ: pushes the model the opposite way (s = 1 unless given).</summary>
    SignFlip,

    /// <summary>Sends x + s·Δ: a boosted update that dominates an average (model replacement).</summary>
    Scale,

    /// <summary>Sends y + N(0, s²) on every floating-point value (s = 1 unless given).</summary>
    Noise,
}
