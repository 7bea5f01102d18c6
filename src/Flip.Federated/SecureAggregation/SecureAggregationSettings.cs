using System.Globalization;

namespace Flip.Federated.SecureAggregation;

/// <summary>
/// SecAgg+'s parameters, after Flower's <c>SecAggPlusWorkflow</c>: the neighbour graph, the share
/// threshold, and the quantisation of float updates to integers mod 2³².
/// </summary>
public sealed record SecureAggregationSettings
{
    /// <summary>
    /// How many neighbours k each site shares its secrets with and masks against (SecAgg+'s sparse
    /// graph, Bell et al. 2020); the sites stand on a ring in a random order and each is joined to
    /// the k/2 nearest on either side. With k ≥ n − 1 every pair is joined (Bonawitz et al.'s SecAgg).
    /// </summary>
    /// <value>0: every pair (the complete graph).</value>
    public int Neighbours { get; init; }

    /// <summary>
    /// The fraction of a site's share holders (its neighbours and itself) needed to reconstruct one of
    /// its secrets; t = ⌈fraction · holders⌉, at least 2. Flower's <c>reconstruction_threshold</c>.
    /// </summary>
    /// <value>0.5.</value>
    public double ThresholdFraction { get; init; } = 0.5;

    /// <summary>Values are clipped to [−c, c] before quantising (Flower's <c>clipping_range</c>).</summary>
    /// <value>8.</value>
    public double ClippingRange { get; init; } = 8.0;

    /// <summary>[−c, c] is mapped to the integers 0 … q (Flower's <c>quantization_range</c>); the sum of n sites must stay below 2³², so n·q &lt; 2³².</summary>
    /// <value>2²² (4,194,304).</value>
    public long QuantizationRange { get; init; } = 1L << 22;

    /// <summary>
    /// The largest example count a site may weigh with: a site sends (nᵢ / this)·Δᵢ and (nᵢ / this),
    /// so the server learns Σ nᵢΔᵢ and Σ nᵢ, never one site's count (Flower's <c>max_weight</c>).
    /// </summary>
    /// <value><see langword="null"/>: the largest example count of the round's sites (in a simulation, where the server has the counts anyway).</value>
    public double? MaxWeight { get; init; }

    /// <summary>The modulus every masked value lives in.</summary>
    public const double Modulus = 4294967296.0;

    /// <summary>The threshold t for a site with <paramref name="holders"/> share holders.</summary>
    /// <param name="holders">The site's neighbours plus itself.</param>
    /// <returns>t, between 2 (or 1 for a lone holder) and <paramref name="holders"/>.</returns>
    public int Threshold(int holders) => Math.Clamp((int)Math.Ceiling(ThresholdFraction * holders), Math.Min(2, holders), holders);

    /// <summary>The largest quantisation error of one value after summing <paramref name="sites"/> sites: n · c / q (half a step each).</summary>
    /// <param name="sites">The number of sites summed.</param>
    /// <returns>The bound.</returns>
    public double SumErrorBound(int sites) => sites * ClippingRange / QuantizationRange;

    /// <summary>Every problem with these settings for <paramref name="sites"/> sites, one sentence each.</summary>
    /// <param name="sites">The number of sites taking part.</param>
    /// <returns>The problems; empty when valid.</returns>
    public IEnumerable<string> Validate(int sites)
    {
        if (Neighbours < 0)
        {
            yield return Invariant($"Neighbours must be ≥ 0 (got {Neighbours}); 0 joins every pair.");
        }

        if (!(ThresholdFraction > 0 && ThresholdFraction <= 1))
        {
            yield return Invariant($"ThresholdFraction must be in (0, 1] (got {ThresholdFraction}).");
        }

        if (!(ClippingRange > 0) || !double.IsFinite(ClippingRange))
        {
            yield return Invariant($"ClippingRange must be a finite number > 0 (got {ClippingRange}).");
        }

        if (QuantizationRange < 2)
        {
            yield return Invariant($"QuantizationRange must be ≥ 2 (got {QuantizationRange}).");
        }
        else if ((double)QuantizationRange * Math.Max(1, sites) >= Modulus)
        {
            yield return Invariant($"QuantizationRange × sites = {QuantizationRange} × {sites} must stay below 2³² or the sum wraps; lower QuantizationRange.");
        }

        if (MaxWeight is { } weight && (!(weight > 0) || !double.IsFinite(weight)))
        {
            yield return Invariant($"MaxWeight must be a finite number > 0 (got {MaxWeight}).");
        }
    }

    private static string Invariant(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);
}
