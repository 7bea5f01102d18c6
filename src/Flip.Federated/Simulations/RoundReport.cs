namespace Flip.Federated.Simulations;

/// <summary>Progress after one round: what the CLI's progress bar and a notebook show.</summary>
/// <param name="Round">The round just finished, from 1.</param>
/// <param name="TotalRounds">The rounds planned.</param>
/// <param name="SitesAggregated">The sites whose training replies were aggregated.</param>
/// <param name="Failures">The sites that failed this round, training or evaluating.</param>
/// <param name="Skipped">Whether aggregation was skipped (too few sites) and the model kept.</param>
/// <param name="Federated">The strategy's aggregated test metrics.</param>
/// <param name="Elapsed">Wall time of the round (from the simulation's <see cref="TimeProvider"/>; not part of any metric).</param>
/// <param name="Metrics">This round's rows of the long-format metrics (per site train and test, federated, server), for live charts.</param>
public sealed record RoundReport(int Round, int TotalRounds, int SitesAggregated, IReadOnlyList<SiteFailure> Failures, bool Skipped, MetricSet Federated, TimeSpan Elapsed, IReadOnlyList<MetricRecord> Metrics)
{
    /// <summary>Wall time of each site's local training this round, by site id (sites that failed are absent); empty where the engine does not time sites.</summary>
    /// <value>Empty.</value>
    public IReadOnlyDictionary<string, TimeSpan> SiteTrainTimes { get; init; } = new Dictionary<string, TimeSpan>();

    /// <summary>Wall time of this round's evaluate step (every site on its held-out data, and the aggregate); zero where the engine does not time it.</summary>
    public TimeSpan EvaluateTime { get; init; }
}
