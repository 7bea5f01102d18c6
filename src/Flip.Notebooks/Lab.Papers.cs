using Flip.Experiments;
using Flip.Federated;
using Flip.Federated.Simulations;
using Flip.Reporting;
using MetricNames = Flip.Reporting.MetricNames;

namespace Flip.Notebooks;

public static partial class Lab
{
    /// <summary>
    /// Checks a paper's claim that <paramref name="candidate"/> beats <paramref name="baseline"/> over a study's seeds:
    /// the mean over hospitals and the worst hospital at the last round, paired seed by seed, with 95 % intervals; the
    /// verdict follows the interval of the mean (<see cref="ClaimCheck.Verdict"/>).
    /// </summary>
    /// <param name="claim">The claim, in one sentence.</param>
    /// <param name="study">A study that ran both strategies from the same seeds (<see cref="RunSeedsAsync"/>).</param>
    /// <param name="baseline">The baseline strategy.</param>
    /// <param name="candidate">The proposed strategy.</param>
    /// <param name="metric">The metric; AUROC by default.</param>
    /// <returns>The check (displays as a table).</returns>
    public static ClaimCheck Check(string claim, StudyResult study, string baseline, string candidate, string metric = MetricNames.Auroc)
    {
        ArgumentNullException.ThrowIfNull(study);
        return Check(claim, metric, baseline, candidate,
            study.Difference(baseline, candidate, metric), study.Difference(baseline, candidate, metric, worst: true));
    }

    /// <summary>Checks a claim on one run of each strategy: the figures side by side, and always <c>inconclusive</c>,
    /// since one seed gives no interval. Run several seeds (<see cref="Check(string, StudyResult, string, string, string)"/>) to decide.</summary>
    /// <param name="claim">The claim, in one sentence.</param>
    /// <param name="baseline">The baseline's run.</param>
    /// <param name="candidate">The proposed strategy's run.</param>
    /// <param name="metric">The metric; AUROC by default.</param>
    /// <returns>The check (displays as a table).</returns>
    public static ClaimCheck Check(string claim, ExperimentResult baseline, ExperimentResult candidate, string metric = MetricNames.Auroc)
    {
        ArgumentNullException.ThrowIfNull(baseline);
        ArgumentNullException.ThrowIfNull(candidate);
        FairnessSummary b = Fairness(baseline, metric), c = Fairness(candidate, metric);
        return Check(claim, metric, baseline.Strategy, candidate.Strategy,
            SeedDifference.Of($"mean {metric} over hospitals", [b.Mean], [c.Mean]), SeedDifference.Of($"worst hospital {metric}", [b.Worst], [c.Worst]));
    }

    private static ClaimCheck Check(string claim, string metric, string baseline, string candidate, SeedDifference mean, SeedDifference worst)
    {
        string verdict = mean.Seeds < 2
            ? "inconclusive (one seed gives no interval: run several)"
            : mean.Direction switch { "ahead" => "agrees", "behind" => "does not agree", _ => "inconclusive" };
        static double Average(IReadOnlyList<double> values) => values.Count == 0 ? double.NaN : values.Average();
        return new ClaimCheck(claim, metric, baseline, candidate, mean.Seeds,
            Average(mean.Baseline), Average(mean.Candidate), mean.MeanDifference, mean.Low, mean.High,
            Average(worst.Baseline), Average(worst.Candidate), worst.MeanDifference, worst.Low, worst.High, verdict);
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
