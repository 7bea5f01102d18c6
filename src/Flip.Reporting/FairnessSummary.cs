namespace Flip.Reporting;

/// <summary>How evenly one metric is spread over the sites of a federation at one round.</summary>
/// <remarks>See <see cref="Fairness.Summarize(IReadOnlyDictionary{string, double}, string, int, double?, bool)"/> for every definition.</remarks>
/// <param name="Metric">The metric key, e.g. <c>auroc</c>.</param>
/// <param name="Round">The round the values come from.</param>
/// <param name="Pooled">The pooled value passed through (all sites' patients evaluated together), or <see langword="null"/>.</param>
/// <param name="SiteCount">n, the number of sites with a value.</param>
/// <param name="Mean">The unweighted mean over sites, x̄ = Σxᵢ / n.</param>
/// <param name="WorstSite">The site with the worst value (the first in site order on a tie).</param>
/// <param name="Worst">The worst site's value.</param>
/// <param name="BestSite">The site with the best value (the first in site order on a tie).</param>
/// <param name="Best">The best site's value.</param>
/// <param name="Gap">|best − worst|; for a higher-is-better metric, best − worst.</param>
/// <param name="StandardDeviation">The population standard deviation over sites, √(Σ(xᵢ − x̄)² / n).</param>
/// <param name="CoefficientOfVariation">Standard deviation / |x̄|; NaN when x̄ = 0.</param>
/// <param name="JainIndex">Jain's fairness index (Σxᵢ)² / (n·Σxᵢ²), from 1/n (one site has everything) to 1 (all equal); NaN when every value is 0.</param>
/// <param name="WorstToBestRatio">worst / best; 1 when all sites are equal; NaN when best = 0.</param>
/// <param name="HigherIsBetter">Whether a higher value is better, which decides worst and best.</param>
public sealed record FairnessSummary(
    string Metric,
    int Round,
    double? Pooled,
    int SiteCount,
    double Mean,
    string WorstSite,
    double Worst,
    string BestSite,
    double Best,
    double Gap,
    double StandardDeviation,
    double CoefficientOfVariation,
    double JainIndex,
    double WorstToBestRatio,
    bool HigherIsBetter);
