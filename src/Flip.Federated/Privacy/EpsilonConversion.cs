namespace Flip.Federated.Privacy;

/// <summary>How Rényi DP at a set of orders is converted to (ε, δ)-DP.</summary>
public enum EpsilonConversion
{
    /// <summary>
    /// Mironov 2017, "Rényi Differential Privacy", CSF, Proposition 3: ε = RDP(α) + ln(1/δ)/(α − 1).
    /// What TF-Privacy's <c>get_privacy_spent</c> used until 2020 and what published tables quote.
    /// </summary>
    Classic,

    /// <summary>
    /// Balle et al. 2020, "Hypothesis Testing Interpretations and Rényi Differential Privacy", AISTATS,
    /// Theorem 21 (as in TF-Privacy's current <c>compute_eps</c>):
    /// ε = RDP(α) + ln((α − 1)/α) − (ln δ + ln α)/(α − 1). Tighter; the default.
    /// </summary>
    Improved,
}
