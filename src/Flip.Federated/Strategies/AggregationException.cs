using System.Globalization;

namespace Flip.Federated.Strategies;

/// <summary>A round could not be aggregated: too few sites answered, a reply was unusable, or the strategy's preconditions failed.</summary>
public sealed class AggregationException : FlipException
{
    private AggregationException(string message, int round, string? parameterKey, IReadOnlyList<SiteId> sites, string? fix)
        : base(message, ExitCodes.RunFailed, fix)
    {
        Round = round;
        ParameterKey = parameterKey;
        Sites = sites;
    }

    /// <summary>The round, from 1.</summary>
    public int Round { get; }

    /// <summary>The parameter key involved, when one is.</summary>
    public string? ParameterKey { get; }

    /// <summary>The sites involved.</summary>
    public IReadOnlyList<SiteId> Sites { get; }

    /// <summary>Fewer sites answered than the strategy's minimum.</summary>
    /// <param name="round">The round.</param>
    /// <param name="strategy">The strategy's name.</param>
    /// <param name="minimum">The strategy's <see cref="Strategy.MinTrainSites"/>.</param>
    /// <param name="succeeded">The sites that answered.</param>
    /// <param name="failed">The sites that failed.</param>
    /// <returns>The exception.</returns>
    public static AggregationException TooFewSites(int round, string strategy, int minimum, IReadOnlyList<SiteId> succeeded, IReadOnlyList<SiteFailure> failed)
    {
        ArgumentNullException.ThrowIfNull(succeeded);
        ArgumentNullException.ThrowIfNull(failed);
        string failures = failed.Count == 0 ? "none failed" : "failed: " + string.Join(", ", failed.Select(f => $"{f.Site} ({f.Category.ToString().ToLowerInvariant()})"));
        return new(
            string.Create(CultureInfo.InvariantCulture, $"Round {round}: {strategy} needs at least {minimum} sites to aggregate, {succeeded.Count} answered ({failures})."),
            round,
            null,
            [.. failed.Select(f => f.Site)],
            "lower the strategy's MinTrainSites, raise the fraction of sites sampled, or find out why the sites failed in metrics.csv and the site logs.");
    }

    /// <summary>Every answering site reported zero training examples, so example weighting is undefined.</summary>
    /// <param name="round">The round.</param>
    /// <param name="sites">The sites that answered.</param>
    /// <returns>The exception.</returns>
    public static AggregationException NoExamples(int round, IReadOnlyList<SiteId> sites)
        => new(
            $"Round {round}: every site that answered ({string.Join(", ", sites)}) reported 0 training examples; FedAvg weights by example count.",
            round,
            null,
            sites,
            "check that each site's training split is not empty.");

    /// <summary>A SCAFFOLD reply came without the site's control-variate change.</summary>
    /// <param name="round">The round.</param>
    /// <param name="site">The site.</param>
    /// <returns>The exception.</returns>
    public static AggregationException MissingControlVariate(int round, SiteId site)
        => new(
            $"Round {round}: {site} answered a SCAFFOLD round without its control-variate change Δcᵢ.",
            round,
            null,
            [site],
            "run the site through Flip.Federated.Site, which computes Δcᵢ, and let its trainer report `local-steps`.");

    /// <summary>Krum needs n − f − 2 ≥ 1 neighbours per site.</summary>
    /// <param name="round">The round.</param>
    /// <param name="answered">The number of sites that answered.</param>
    /// <param name="byzantine">The assumed number of Byzantine sites f.</param>
    /// <returns>The exception.</returns>
    public static AggregationException TooFewForKrum(int round, int answered, int byzantine)
        => new(
            string.Create(CultureInfo.InvariantCulture, $"Round {round}: Krum with f = {byzantine} Byzantine sites needs at least f + 3 = {byzantine + 3} replies, {answered} answered."),
            round,
            null,
            [],
            "lower Krum's ByzantineSites or sample more sites per round.");

    /// <summary>The centralised baseline was run without the pooled site among the sites.</summary>
    /// <param name="round">The round.</param>
    /// <param name="pooled">The pooled site's id.</param>
    /// <returns>The exception.</returns>
    public static AggregationException PooledSiteMissing(int round, SiteId pooled)
        => new(
            $"Round {round}: the centralised baseline trains on the pooled site `{pooled}`, which is not among the simulation's sites.",
            round,
            null,
            [pooled],
            "add a site that holds every site's training data under that id (Flip.Experiments builds one), or set Centralised.PooledSite.");

    /// <summary>The trimmed mean would trim every value.</summary>
    /// <param name="round">The round.</param>
    /// <param name="answered">The number of replies.</param>
    /// <param name="beta">The fraction trimmed from each end.</param>
    /// <returns>The exception.</returns>
    public static AggregationException NothingLeftAfterTrimming(int round, int answered, double beta)
        => new(
            string.Create(CultureInfo.InvariantCulture, $"Round {round}: trimming {beta:P0} from each end of {answered} replies leaves none."),
            round,
            null,
            [],
            "lower TrimmedMean.Beta below 0.5 or sample more sites.");
}
