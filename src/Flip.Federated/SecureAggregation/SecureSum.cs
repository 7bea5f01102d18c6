namespace Flip.Federated.SecureAggregation;

/// <summary>What one secure aggregation round gives the server.</summary>
/// <param name="Sum">The sum of the survivors' (clipped) inputs, each value within <see cref="SecureAggregationSettings.SumErrorBound"/>.</param>
/// <param name="Survivors">The sites whose input is in the sum.</param>
/// <param name="Dropped">The sites that shared keys but sent no input; their masks were removed.</param>
/// <param name="BytesFromSites">Everything the sites sent the server (keys, encrypted shares, masked inputs, unmask shares), in bytes.</param>
public sealed record SecureSum(double[] Sum, IReadOnlyList<SiteId> Survivors, IReadOnlyList<SiteId> Dropped, long BytesFromSites);
