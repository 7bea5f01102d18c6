namespace Flip.Federated.Strategies;

/// <summary>
/// Krum and Multi-Krum: score each site by the summed squared distance to its n − f − 2 nearest
/// other sites, keep the <see cref="SelectCount"/> lowest-scoring, and average those by example count.
/// </summary>
/// <remarks>
/// Blanchard et al., 2017, "Machine Learning with Adversaries: Byzantine Tolerant Gradient Descent",
/// NeurIPS, §4: s(i) = Σ_{i→j} ‖Vᵢ − Vⱼ‖² over the n − f − 2 closest j; Krum picks argminᵢ s(i),
/// Multi-Krum averages the m best (§5). Ties go to the site earlier in the reply order. The site does
/// what it does for FedAvg.
/// </remarks>
public sealed class Krum : Strategy
{
    /// <inheritdoc/>
    public override string Name => SelectCount == 1 ? "krum" : "multi-krum";

    /// <summary>The number f of Byzantine sites to tolerate.</summary>
    /// <value>0.</value>
    public int ByzantineSites { get; init; }

    /// <summary>How many sites to keep: 1 for Krum, more for Multi-Krum.</summary>
    /// <value>1.</value>
    public int SelectCount { get; init; } = 1;

    /// <summary>The Krum scores of the last aggregated round, in reply order.</summary>
    public IReadOnlyList<(SiteId Site, double Score)> LastScores { get; private set; } = [];

    /// <inheritdoc/>
    public override ParameterSet AggregateTrain(RoundContext round, ParameterSet global, TrainReplies replies)
    {
        ArgumentNullException.ThrowIfNull(round);
        ArgumentNullException.ThrowIfNull(replies);
        EnsureEnoughReplies(round, replies);
        var succeeded = replies.Succeeded;
        int n = succeeded.Count;
        int closest = n - ByzantineSites - 2;
        if (closest < 1)
        {
            throw AggregationException.TooFewForKrum(round.Round, n, ByzantineSites);
        }

        var full = succeeded.Select(r => FullParameters(global, r)).ToList();
        var distances = new double[n, n];
        for (int i = 0; i < n; i++)
        {
            for (int j = i + 1; j < n; j++)
            {
                distances[i, j] = distances[j, i] = ParameterMath.SquaredDistance(full[i], full[j], succeeded[j].Site.Value);
            }
        }

        var scores = new double[n];
        for (int i = 0; i < n; i++)
        {
            scores[i] = Enumerable.Range(0, n).Where(j => j != i).Select(j => distances[i, j]).Order().Take(closest).Sum();
        }

        LastScores = [.. Enumerable.Range(0, n).Select(i => (succeeded[i].Site, scores[i]))];
        var selected = Enumerable.Range(0, n).OrderBy(i => scores[i]).ThenBy(i => i).Take(Math.Min(SelectCount, n)).Order().ToList();
        return WeightedAverage(round, global, [.. selected.Select(i => succeeded[i])]);
    }

    /// <inheritdoc/>
    public override IEnumerable<string> Validate()
    {
        foreach (var problem in base.Validate())
        {
            yield return problem;
        }

        if (ByzantineSites < 0)
        {
            yield return Invariant($"ByzantineSites must be ≥ 0 (got {ByzantineSites}).");
        }

        if (SelectCount < 1)
        {
            yield return Invariant($"SelectCount must be ≥ 1 (got {SelectCount}).");
        }
    }
}
