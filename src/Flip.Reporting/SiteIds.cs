namespace Flip.Reporting;

/// <summary>Site ids with a meaning of their own in <c>metrics.csv</c>.</summary>
public static class SiteIds
{
    /// <summary>The row that evaluates all sites' patients together, as one data set.</summary>
    public const string Pooled = "pooled";

    /// <summary>Whether <paramref name="site"/> is <see cref="Pooled"/>.</summary>
    /// <param name="site">A site id.</param>
    /// <returns><see langword="true"/> for the pooled row.</returns>
    public static bool IsPooled(string site) => string.Equals(site, Pooled, StringComparison.Ordinal);

    /// <summary>The row holding the strategy's own sample-weighted aggregate of the sites' metrics (written by the simulation and by <c>serve</c>).</summary>
    public const string Federated = "federated";

    /// <summary>Whether <paramref name="site"/> is a summary row (<see cref="Pooled"/> or <see cref="Federated"/>), not a hospital.</summary>
    /// <param name="site">A site id.</param>
    /// <returns><see langword="true"/> for the pooled and the federated rows.</returns>
    public static bool IsSummary(string site) => IsPooled(site) || string.Equals(site, Federated, StringComparison.Ordinal);

    /// <summary>Orders site ids as people read them: <c>site-2</c> before <c>site-10</c>, <see cref="Pooled"/> last.</summary>
    public static IComparer<string> Comparer { get; } = new SiteIdComparer();
}
