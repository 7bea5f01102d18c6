namespace Flip.Reporting;

/// <summary>One metric summarised over the sites that share a country, a vendor or a field strength.</summary>
/// <param name="Grouping">What the sites were grouped by.</param>
/// <param name="Group">The group's value, e.g. <c>Siemens</c> or <c>3 T</c>.</param>
/// <param name="Sites">The group's site ids, in natural order.</param>
/// <param name="Mean">The unweighted mean of the group's site values.</param>
/// <param name="WorstSite">The group's worst site.</param>
/// <param name="Worst">The worst site's value.</param>
/// <param name="BestSite">The group's best site.</param>
/// <param name="Best">The best site's value.</param>
public sealed record GroupSummary(
    SiteGrouping Grouping,
    string Group,
    IReadOnlyList<string> Sites,
    double Mean,
    string WorstSite,
    double Worst,
    string BestSite,
    double Best);
