namespace Flip.Datasets.Partitions;

/// <summary>One site's patients per class: without csPCa (ISUP 0–1) and with csPCa (ISUP ≥ 2).</summary>
/// <param name="SiteId">The site.</param>
/// <param name="Negative">Patients without clinically significant cancer.</param>
/// <param name="Positive">Patients with clinically significant cancer.</param>
public sealed record SiteClassCounts(string SiteId, int Negative, int Positive)
{
    /// <summary>All patients of the site.</summary>
    public int Total => Negative + Positive;

    /// <summary>Fraction with csPCa; 0 for an empty site.</summary>
    public double PositiveFraction => Total == 0 ? 0 : Positive / (double)Total;

    /// <summary>Counts a site's patients.</summary>
    /// <param name="site">The site.</param>
    /// <returns>Its counts.</returns>
    public static SiteClassCounts Of(CohortSite site)
    {
        ArgumentNullException.ThrowIfNull(site);
        int positive = site.Patients.Count(p => p.IsCsPca);
        return new SiteClassCounts(site.Id, site.Patients.Count - positive, positive);
    }
}
