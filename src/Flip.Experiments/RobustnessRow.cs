using Flip.Federated;
using Flip.Federated.Attacks;

namespace Flip.Experiments;

/// <summary>One strategy's final metrics at every hospital, clean or under attack.</summary>
/// <param name="Strategy">The strategy.</param>
/// <param name="Attack">The attack, or <see langword="null"/> for the clean run.</param>
/// <param name="SiteMetrics">Hospital → final test metrics.</param>
/// <param name="Elapsed">Wall time of the run.</param>
public sealed record RobustnessRow(string Strategy, SiteAttack? Attack, IReadOnlyDictionary<string, MetricSet> SiteMetrics, TimeSpan Elapsed)
{
    /// <summary>The mean of a metric over the honest hospitals (the poisoned one left out, in both conditions, so they compare).</summary>
    /// <param name="metric">The metric.</param>
    /// <param name="poisoned">The poisoned site.</param>
    /// <returns>The mean, NaN when no hospital reported it.</returns>
    public double HonestMean(string metric, SiteId poisoned)
    {
        var values = SiteMetrics.Where(p => p.Key != poisoned.Value && p.Value.ContainsKey(metric)).Select(p => p.Value[metric]).ToList();
        return values.Count == 0 ? double.NaN : values.Average();
    }
}
