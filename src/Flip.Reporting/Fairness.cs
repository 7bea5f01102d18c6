namespace Flip.Reporting;

/// <summary>Fairness of a federation: how one metric is spread over its sites, per round, per group, and who gains from federating.</summary>
/// <remarks>
/// Sites count equally (an unweighted summary): a small hospital's worst case matters as much as a large
/// one's, which is the point of per-site reporting (Li et al., "Fair resource allocation in federated
/// learning", ICLR 2020, arXiv:1905.10497, §2, measures fairness as the spread of per-device accuracy).
/// Values that are NaN (e.g. an AUROC at a site with one class only) are left out.
/// </remarks>
public static class Fairness
{
    /// <summary>Summarises one metric's per-site values.</summary>
    /// <remarks>
    /// With n sites and values xᵢ:
    /// mean x̄ = Σxᵢ/n; worst and best are the minimum and maximum (swapped when lower is better);
    /// gap = |best − worst|; standard deviation σ = √(Σ(xᵢ − x̄)²/n), the population form, since the sites
    /// are the whole federation, not a sample of one; coefficient of variation = σ/|x̄|;
    /// Jain's index J = (Σxᵢ)²/(n·Σxᵢ²) (Jain, Chiu and Hawe, "A quantitative measure of fairness and
    /// discrimination for resource allocation in shared computer systems", DEC-TR-301, 1984, eq. 1),
    /// 1 when all sites are equal and 1/n when one site has everything; worst/best ratio = worst/best.
    /// Jain's index and the ratio are meant for non-negative metrics (AUROC, Dice, accuracy).
    /// </remarks>
    /// <param name="siteValues">Site id → value, without the pooled row.</param>
    /// <param name="metric">The metric key, carried into the summary.</param>
    /// <param name="round">The round, carried into the summary.</param>
    /// <param name="pooled">The pooled value, passed through unchanged.</param>
    /// <param name="higherIsBetter">Whether a higher value is better; by default <see langword="true"/>.</param>
    /// <returns>The summary.</returns>
    /// <exception cref="ArgumentException">No site has a value that is a number.</exception>
    public static FairnessSummary Summarize(
        IReadOnlyDictionary<string, double> siteValues, string metric = "", int round = 0, double? pooled = null, bool higherIsBetter = true)
    {
        ArgumentNullException.ThrowIfNull(siteValues);
        var sites = siteValues.Where(p => !double.IsNaN(p.Value)).OrderBy(p => p.Key, SiteIds.Comparer).ToList();
        if (sites.Count == 0)
            throw new ArgumentException($"No site has a value of '{metric}' at round {round}; fairness needs at least one.", nameof(siteValues));

        int n = sites.Count;
        double sum = 0, sumOfSquares = 0;
        var worst = sites[0];
        var best = sites[0];
        foreach (var site in sites)
        {
            sum += site.Value;
            sumOfSquares += site.Value * site.Value;
            if (IsBetter(worst.Value, site.Value, higherIsBetter)) worst = site;
            if (IsBetter(site.Value, best.Value, higherIsBetter)) best = site;
        }
        double mean = sum / n;
        double squaredDeviations = sites.Sum(s => (s.Value - mean) * (s.Value - mean));
        double sd = Math.Sqrt(squaredDeviations / n);
        return new FairnessSummary(
            Metric: metric,
            Round: round,
            Pooled: pooled,
            SiteCount: n,
            Mean: mean,
            WorstSite: worst.Key,
            Worst: worst.Value,
            BestSite: best.Key,
            Best: best.Value,
            Gap: Math.Abs(best.Value - worst.Value),
            StandardDeviation: sd,
            CoefficientOfVariation: mean == 0 ? double.NaN : sd / Math.Abs(mean),
            JainIndex: sumOfSquares == 0 ? double.NaN : sum * sum / (n * sumOfSquares),
            WorstToBestRatio: best.Value == 0 ? double.NaN : worst.Value / best.Value,
            HigherIsBetter: higherIsBetter);
    }

    /// <summary>Summarises one metric of a run at one round, with the pooled value when the run has it.</summary>
    /// <param name="metrics">The run's metrics.</param>
    /// <param name="metric">The metric key.</param>
    /// <param name="round">The round.</param>
    /// <param name="split">The split; <see cref="SplitNames.Test"/> by default.</param>
    /// <returns>The summary; whether higher is better comes from <see cref="MetricNames.HigherIsBetter"/>.</returns>
    /// <exception cref="ArgumentException">No site has the metric at that round and split.</exception>
    public static FairnessSummary Summarize(MetricTable metrics, string metric, int round, string split = SplitNames.Test)
    {
        ArgumentNullException.ThrowIfNull(metrics);
        return Summarize(metrics.SiteValues(metric, round, split), metric, round, metrics.PooledValue(metric, round, split), MetricNames.HigherIsBetter(metric));
    }

    /// <summary>Summarises one metric of a run at every round that has per-site values of it.</summary>
    /// <param name="metrics">The run's metrics.</param>
    /// <param name="metric">The metric key.</param>
    /// <param name="split">The split; <see cref="SplitNames.Test"/> by default.</param>
    /// <returns>One summary per round, ascending.</returns>
    public static IReadOnlyList<FairnessSummary> ByRound(MetricTable metrics, string metric, string split = SplitNames.Test)
    {
        ArgumentNullException.ThrowIfNull(metrics);
        var summaries = new List<FairnessSummary>();
        foreach (int round in metrics.Rounds)
        {
            var values = metrics.SiteValues(metric, round, split);
            if (values.Values.Any(v => !double.IsNaN(v))) summaries.Add(Summarize(metrics, metric, round, split));
        }
        return summaries;
    }

    /// <summary>Summarises one metric per group of sites that share a country, a vendor or a field strength.</summary>
    /// <remarks>A group's mean is the unweighted mean of its sites' values. Sites without a value, or without a
    /// <see cref="SiteInfo"/>, are left out. Comparing group means shows, for example, whether 1.5 T sites are
    /// served worse than 3 T sites; <see cref="Summarize(IReadOnlyDictionary{string, double}, string, int, double?, bool)"/>
    /// over the group means gives the gap between groups.</remarks>
    /// <param name="siteValues">Site id → value.</param>
    /// <param name="sites">The cohort's sites.</param>
    /// <param name="grouping">What to group by.</param>
    /// <param name="higherIsBetter">Whether a higher value is better; by default <see langword="true"/>.</param>
    /// <returns>One summary per group, ordered by group label.</returns>
    public static IReadOnlyList<GroupSummary> ByGroup(
        IReadOnlyDictionary<string, double> siteValues, IEnumerable<SiteInfo> sites, SiteGrouping grouping, bool higherIsBetter = true)
    {
        ArgumentNullException.ThrowIfNull(siteValues);
        ArgumentNullException.ThrowIfNull(sites);
        return [.. sites
            .Where(s => siteValues.TryGetValue(s.Id, out double v) && !double.IsNaN(v))
            .GroupBy(s => s.GroupOf(grouping), StringComparer.Ordinal)
            .OrderBy(g => g.Key, StringComparer.Ordinal)
            .Select(g =>
            {
                var members = g.Select(s => s.Id).Distinct().Order(SiteIds.Comparer).ToList();
                var summary = Summarize(members.ToDictionary(id => id, id => siteValues[id]), higherIsBetter: higherIsBetter);
                return new GroupSummary(grouping, g.Key, members, summary.Mean, summary.WorstSite, summary.Worst, summary.BestSite, summary.Best);
            })];
    }

    /// <summary>Compares each site's metric with local-only training and with the federated model: who gains and who loses.</summary>
    /// <param name="local">Site id → value of the model trained on that site's data alone.</param>
    /// <param name="federated">Site id → value of the federated model at that site.</param>
    /// <param name="higherIsBetter">Whether a higher value is better; by default <see langword="true"/>.</param>
    /// <param name="tolerance">Differences of at most this size count as <see cref="ChangeOutcome.Unchanged"/>; 0 by default.</param>
    /// <returns>One change per site present in both, in natural site order.</returns>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="tolerance"/> is negative or NaN.</exception>
    public static IReadOnlyList<SiteChange> Changes(
        IReadOnlyDictionary<string, double> local, IReadOnlyDictionary<string, double> federated, bool higherIsBetter = true, double tolerance = 0)
    {
        ArgumentNullException.ThrowIfNull(local);
        ArgumentNullException.ThrowIfNull(federated);
        if (!(tolerance >= 0)) throw new ArgumentOutOfRangeException(nameof(tolerance), tolerance, "The tolerance must be ≥ 0.");
        return [.. local.Keys.Where(federated.ContainsKey).Order(SiteIds.Comparer).Select(site =>
        {
            double before = local[site], after = federated[site];
            double difference = after - before;
            double improvement = higherIsBetter ? difference : -difference;
            var outcome = improvement > tolerance ? ChangeOutcome.Gains
                : improvement < -tolerance ? ChangeOutcome.Loses
                : ChangeOutcome.Unchanged;
            return new SiteChange(site, before, after, difference, outcome);
        })];
    }

    private static bool IsBetter(double candidate, double incumbent, bool higherIsBetter) =>
        higherIsBetter ? candidate > incumbent : candidate < incumbent;
}
