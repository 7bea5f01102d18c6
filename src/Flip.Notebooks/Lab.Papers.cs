using Flip.Experiments;
using Flip.Federated;
using Flip.Federated.Simulations;
using Flip.Reporting;
using MetricNames = Flip.Reporting.MetricNames;

namespace Flip.Notebooks;

public static partial class Lab
{
    /// <summary>Checks a paper's claim that <paramref name="candidate"/> beats <paramref name="baseline"/>: on the mean over
    /// hospitals and on the worst hospital, at the last round.</summary>
    /// <param name="claim">The claim, in one sentence.</param>
    /// <param name="baseline">The baseline's run.</param>
    /// <param name="candidate">The proposed strategy's run.</param>
    /// <param name="metric">The metric; AUROC by default.</param>
    /// <returns>The check (displays as a table).</returns>
    public static ClaimCheck Check(string claim, ExperimentResult baseline, ExperimentResult candidate, string metric = MetricNames.Auroc)
    {
        FairnessSummary b = Fairness(baseline, metric), c = Fairness(candidate, metric);
        int ahead = (c.Mean > b.Mean ? 1 : 0) + (c.Worst > b.Worst ? 1 : 0);
        return new ClaimCheck(claim, metric, baseline.Strategy, candidate.Strategy, b.Mean, c.Mean, b.Worst, c.Worst,
            ahead switch { 2 => "agrees", 1 => "partly agrees", _ => "does not agree" });
    }

    /// <summary>A run's long-format metrics as the report's table (e.g. of a study run over real nodes), without the
    /// server's aggregate rows (site <c>federated</c>).</summary>
    /// <param name="run">The run.</param>
    /// <returns>The table.</returns>
    public static MetricTable Metrics(RunResult run)
    {
        ArgumentNullException.ThrowIfNull(run);
        return new MetricTable(run.Metrics.Where(m => m.Site != MetricRecord.FederatedSite).Select(m => new MetricRow(m.Round, m.Site, m.Split, m.Metric, m.Value)));
    }
}
