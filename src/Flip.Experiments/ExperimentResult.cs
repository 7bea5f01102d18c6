using Flip.Federated;
using Flip.Federated.Runs;
using Flip.Federated.Simulations;

namespace Flip.Experiments;

/// <summary>What one simulated experiment produced.</summary>
/// <param name="Strategy">The strategy's name.</param>
/// <param name="Run">The simulation's result: final parameters, long-format metrics, failures, run folder.</param>
/// <param name="Elapsed">Wall-clock time of the simulation.</param>
public sealed record ExperimentResult(string Strategy, RunResult Run, TimeSpan Elapsed)
{
    /// <summary>Whether every round aggregated something and the test loss fell (see <see cref="RunHealth"/>).</summary>
    public RunHealth Health => RunHealth.Of(Run.Metrics);

    /// <summary>Each hospital's test metrics at the last round it was evaluated.</summary>
    /// <returns>Site id → metric name → value.</returns>
    public IReadOnlyDictionary<string, MetricSet> FinalSiteMetrics()
    {
        var result = new Dictionary<string, MetricSet>(StringComparer.Ordinal);
        foreach (var site in Run.Metrics.Where(m => m.Split == MetricRecord.TestSplit && m.Site != MetricRecord.FederatedSite).GroupBy(m => m.Site))
        {
            int last = site.Max(m => m.Round);
            result[site.Key] = MetricSet.From(site.Where(m => m.Round == last).Select(m => KeyValuePair.Create(m.Metric, m.Value)));
        }

        return result;
    }

    /// <summary>Site × site generalisation (local-only runs): trained-at → tested-at → value.</summary>
    /// <param name="metric">The metric, e.g. <c>auroc</c>.</param>
    /// <returns>Empty for strategies other than local-only.</returns>
    public IReadOnlyDictionary<(string TrainedAt, string TestedAt), double> CrossSite(string metric)
        => Run.Metrics
            .Where(m => m.Metric == metric && m.Split.StartsWith(MetricsFile.CrossSplitPrefix, StringComparison.Ordinal))
            .ToDictionary(m => (m.Site, m.Split[MetricsFile.CrossSplitPrefix.Length..]), m => m.Value);
}
