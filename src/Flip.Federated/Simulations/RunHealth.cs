using System.Globalization;

namespace Flip.Federated.Simulations;

/// <summary>
/// Whether a run did what a researcher will assume it did: every round aggregated something, and the loss it
/// was trained to lower fell. Read from the run's own metrics, so a table, a report and a test judge it alike.
/// </summary>
/// <remarks>
/// A baseline that silently never trains is worse than a crash: its row looks like a result. This is the check
/// that would have caught a centralised baseline whose every round was skipped (its one pooled site was held to the
/// federated quorum of two): <see cref="NeverAggregated"/>, and a flat loss.
/// </remarks>
/// <param name="RoundsRun">The rounds the run finished (rounds with a <see cref="MetricNames.SitesAggregated"/> fact).</param>
/// <param name="SkippedRounds">The rounds that aggregated no site: the model was kept as it was.</param>
/// <param name="InitialLoss">The strategy's aggregated test loss before training (round 0), or of the first round evaluated; NaN when the run has none.</param>
/// <param name="FinalLoss">The aggregated test loss at the last round evaluated; NaN when the run has none.</param>
public sealed record RunHealth(int RoundsRun, IReadOnlyList<int> SkippedRounds, double InitialLoss, double FinalLoss)
{
    /// <summary>Whether the run finished rounds and none of them aggregated anything: its model is the initial one.</summary>
    public bool NeverAggregated => RoundsRun > 0 && SkippedRounds.Count == RoundsRun;

    /// <summary>Whether the aggregated test loss at the end is below the one before training (false when either is missing).</summary>
    public bool LossFell => FinalLoss < InitialLoss;

    /// <summary>Whether a reader may take the run's numbers as a trained model's: no skipped round and a falling loss.</summary>
    public bool IsHealthy => SkippedRounds.Count == 0 && LossFell;

    /// <summary>One sentence per problem, for a table's footnote, a report and a log; empty when <see cref="IsHealthy"/>.</summary>
    public IReadOnlyList<string> Problems
    {
        get
        {
            var problems = new List<string>();
            if (NeverAggregated)
            {
                problems.Add(Invariant($"no round aggregated anything ({RoundsRun} of {RoundsRun} skipped): its numbers are the untrained initial model's"));
            }
            else if (SkippedRounds.Count > 0)
            {
                problems.Add(Invariant($"{SkippedRounds.Count} of {RoundsRun} rounds aggregated nothing (rounds {string.Join(", ", SkippedRounds)}); the model was kept"));
            }

            if (RoundsRun > 0 && !LossFell)
            {
                problems.Add(double.IsNaN(InitialLoss) || double.IsNaN(FinalLoss)
                    ? "no aggregated test loss was recorded, so training cannot be seen to work"
                    : Invariant($"the test loss did not fall ({InitialLoss:F4} before training, {FinalLoss:F4} at the end)"));
            }

            return problems;
        }
    }

    /// <summary>Judges a run from its long-format metrics.</summary>
    /// <param name="metrics">The run's metrics (as in <c>metrics.csv</c>).</param>
    /// <returns>The run's health.</returns>
    public static RunHealth Of(IEnumerable<MetricRecord> metrics)
    {
        ArgumentNullException.ThrowIfNull(metrics);
        var aggregated = new SortedDictionary<int, double>();
        var losses = new SortedDictionary<int, double>();
        foreach (MetricRecord m in metrics)
        {
            if (m.Site == MetricRecord.ServerSite && m.Split == MetricRecord.RoundSplit && m.Metric == MetricNames.SitesAggregated)
            {
                aggregated[m.Round] = m.Value;
            }
            else if (m.Site == MetricRecord.FederatedSite && m.Split == MetricRecord.TestSplit && m.Metric == MetricNames.Loss)
            {
                losses[m.Round] = m.Value;
            }
        }

        var skipped = aggregated.Where(a => a.Value <= 0).Select(a => a.Key).ToList();
        double initial = losses.Count > 0 ? losses.First().Value : double.NaN;
        double final = losses.Count > 1 ? losses.Last().Value : double.NaN;
        return new RunHealth(aggregated.Count, skipped, initial, final);
    }

    private static string Invariant(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);
}
