namespace Flip.Reporting;

/// <summary>Natural order of site ids: a trailing number compares as a number; <c>pooled</c> sorts last.</summary>
internal sealed class SiteIdComparer : IComparer<string>
{
    public int Compare(string? x, string? y)
    {
        if (ReferenceEquals(x, y)) return 0;
        if (x is null) return -1;
        if (y is null) return 1;
        bool xPooled = SiteIds.IsPooled(x), yPooled = SiteIds.IsPooled(y);
        if (xPooled != yPooled) return xPooled ? 1 : -1;
        var (xStem, xNumber) = Split(x);
        var (yStem, yNumber) = Split(y);
        int byStem = string.CompareOrdinal(xStem, yStem);
        if (byStem != 0) return byStem;
        if (xNumber != yNumber) return xNumber.CompareTo(yNumber);
        return string.CompareOrdinal(x, y);
    }

    private static (string Stem, long Number) Split(string id)
    {
        int i = id.Length;
        while (i > 0 && char.IsAsciiDigit(id[i - 1])) i--;
        if (i == id.Length || id.Length - i > 18) return (id, -1);
        return (id[..i], long.Parse(id.AsSpan(i), System.Globalization.CultureInfo.InvariantCulture));
    }
}
