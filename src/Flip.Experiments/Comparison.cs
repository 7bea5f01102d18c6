using Flip.Federated.Runs;
using System.Globalization;
using System.Text;
using Flip.Federated;
using Flip.Federated.Simulations;
using Flip.Reporting;

namespace Flip.Experiments;

/// <summary>Strategies side by side, hospital by hospital, with the fairness of each.</summary>
public sealed class Comparison
{
    private Comparison(IReadOnlyList<string> strategies, IReadOnlyList<string> sites, IReadOnlyDictionary<(string Strategy, string Site), MetricSet> values, IReadOnlyDictionary<string, RunHealth> health)
    {
        Strategies = strategies;
        Sites = sites;
        Values = values;
        Health = health;
    }

    /// <summary>Strategy names in run order.</summary>
    public IReadOnlyList<string> Strategies { get; }

    /// <summary>Hospital ids in cohort order (the pooled site of centralised training is not a hospital).</summary>
    public IReadOnlyList<string> Sites { get; }

    /// <summary>Final-round test metrics per (strategy, hospital).</summary>
    public IReadOnlyDictionary<(string Strategy, string Site), MetricSet> Values { get; }

    /// <summary>Each strategy's run health: skipped rounds and whether its loss fell.</summary>
    public IReadOnlyDictionary<string, RunHealth> Health { get; }

    /// <summary>The strategies whose runs are not healthy (a skipped round, or a loss that did not fall), in run order.</summary>
    public IReadOnlyList<string> Flagged => [.. Strategies.Where(s => Health.TryGetValue(s, out RunHealth? h) && !h.IsHealthy)];

    /// <summary>Whether some strategy never aggregated anything: its row is an untrained model's.</summary>
    public bool AnyNeverAggregated => Health.Values.Any(h => h.NeverAggregated);

    /// <summary>Collects the final-round test metrics of each run for each hospital of the cohort.</summary>
    /// <param name="results">One result per strategy.</param>
    /// <param name="cohort">The cohort the runs trained on.</param>
    /// <returns>The comparison.</returns>
    public static Comparison Build(IReadOnlyList<ExperimentResult> results, PreparedCohort cohort)
    {
        ArgumentNullException.ThrowIfNull(results);
        ArgumentNullException.ThrowIfNull(cohort);
        var sites = cohort.Sites.Select(s => s.Id).ToList();
        var values = new Dictionary<(string, string), MetricSet>();
        foreach (ExperimentResult result in results)
        {
            foreach (var (site, metrics) in result.FinalSiteMetrics())
            {
                if (sites.Contains(site))
                {
                    values[(result.Strategy, site)] = metrics;
                }
            }
        }

        var health = results.ToDictionary(r => r.Strategy, r => r.Health, StringComparer.Ordinal);
        return new Comparison([.. results.Select(r => r.Strategy)], sites, values, health);
    }

    /// <summary>One metric of one strategy at one hospital, NaN when missing.</summary>
    /// <param name="strategy">Strategy name.</param>
    /// <param name="site">Hospital id.</param>
    /// <param name="metric">Metric name.</param>
    /// <returns>The value.</returns>
    public double Value(string strategy, string site, string metric)
        => Values.TryGetValue((strategy, site), out MetricSet? m) ? m.GetValueOrDefault(metric, double.NaN) : double.NaN;

    /// <summary>Fairness of one metric across hospitals for each strategy.</summary>
    /// <param name="metric">Metric name, higher = better.</param>
    /// <returns>One row per strategy.</returns>
    /// <remarks>
    /// Mean over hospitals, the worst and best hospital and the best−worst gap, as in per-site
    /// fairness reporting for medical FL (e.g. Li et al., 2020, "Fair resource allocation in
    /// federated learning", arXiv:1905.10497, which uses the worst client and the spread).
    /// </remarks>
    public IReadOnlyList<FairnessRow> Fairness(string metric)
    {
        var rows = new List<FairnessRow>();
        foreach (string strategy in Strategies)
        {
            var present = Sites.Select(s => (Site: s, Value: Value(strategy, s, metric)))
                .Where(x => !double.IsNaN(x.Value))
                .ToDictionary(x => x.Site, x => x.Value);
            if (present.Count == 0)
            {
                continue;
            }

            FairnessSummary summary = Flip.Reporting.Fairness.Summarize(present, metric);
            rows.Add(new FairnessRow(strategy, metric, summary.Mean, summary.WorstSite, summary.Worst, summary.BestSite, summary.Best));
        }

        return rows;
    }

    /// <summary>Writes the comparison as CSV (strategy, site, metric, value), atomically.</summary>
    /// <param name="path">The file to write.</param>
    public void WriteCsv(string path)
    {
        var text = new StringBuilder("strategy,site,metric,value\n");
        foreach (string strategy in Strategies)
        {
            foreach (string site in Sites)
            {
                if (Values.TryGetValue((strategy, site), out MetricSet? metrics))
                {
                    foreach (var (name, value) in metrics)
                    {
                        CsvFile.AppendLine(text, strategy, site, name, CsvFile.Number(value));
                    }
                }
            }
        }

        AtomicFile.WriteText(path, text.ToString());
    }
}
