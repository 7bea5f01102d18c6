using System.Globalization;

namespace Flip.Reporting;

/// <summary>One colour per site, the same in every chart, from the Okabe–Ito palette that stays distinct with colour-blindness.</summary>
/// <remarks>Okabe and Ito, "Color Universal Design", 2008 (the palette Wong recommends in Nature Methods 8:441, 2011).
/// <c>site-N</c> gets colour (N − 1) mod 7 of <see cref="SiteColors"/>, so a site keeps its colour when other sites are
/// left out; other ids get a colour from a stable hash of the id. The pooled row is black and drawn dashed; the server's
/// <c>federated</c> aggregate is grey, so it never takes a hospital's colour.</remarks>
public static class SitePalette
{
    /// <summary>The seven Okabe–Ito colours for sites: orange, sky blue, bluish green, yellow, blue, vermillion, reddish purple.</summary>
    public static IReadOnlyList<string> SiteColors { get; } = ["#E69F00", "#56B4E9", "#009E73", "#F0E442", "#0072B2", "#D55E00", "#CC79A7"];

    /// <summary>The colour of the pooled row: Okabe–Ito black.</summary>
    public const string PooledColor = "#000000";

    /// <summary>The colour of the <see cref="SiteIds.Federated"/> row (the server's example-weighted aggregate): a grey
    /// that no site has.</summary>
    public const string FederatedColor = "#7F7F7F";

    /// <summary>Colours for strategies (runs) in charts where lines are strategies, not sites: dark, with distinct dashes.</summary>
    public static IReadOnlyList<string> StrategyColors { get; } = ["#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9", "#000000"];

    /// <summary>The colour of a site.</summary>
    /// <param name="siteId">A site id, or <see cref="SiteIds.Pooled"/>.</param>
    /// <returns>A <c>#RRGGBB</c> colour.</returns>
    public static string ColorOf(string siteId)
    {
        ArgumentNullException.ThrowIfNull(siteId);
        if (SiteIds.IsPooled(siteId)) return PooledColor;
        if (siteId == SiteIds.Federated) return FederatedColor;
        const string prefix = "site-";
        if (siteId.StartsWith(prefix, StringComparison.Ordinal)
            && int.TryParse(siteId.AsSpan(prefix.Length), NumberStyles.None, CultureInfo.InvariantCulture, out int n) && n >= 1)
        {
            return SiteColors[(n - 1) % SiteColors.Count];
        }
        uint hash = 2166136261; // FNV-1a: stable across processes, unlike string.GetHashCode
        foreach (char c in siteId) hash = (hash ^ c) * 16777619;
        return SiteColors[(int)(hash % (uint)SiteColors.Count)];
    }

    /// <summary>The colour of the i-th strategy of a comparison.</summary>
    /// <param name="index">The strategy's position, from 0.</param>
    /// <returns>A <c>#RRGGBB</c> colour.</returns>
    public static string StrategyColor(int index) => StrategyColors[((index % StrategyColors.Count) + StrategyColors.Count) % StrategyColors.Count];
}
