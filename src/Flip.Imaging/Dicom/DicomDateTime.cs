using System.Globalization;

namespace Flip.Imaging.Dicom;

/// <summary>Parses DICOM DA, TM and DT values (PS3.5 §6.2).</summary>
public static class DicomDateTime
{
    /// <summary>Parses a DA value, <c>YYYYMMDD</c> (also the old <c>YYYY.MM.DD</c>).</summary>
    /// <param name="text">The value.</param>
    /// <param name="date">The date.</param>
    /// <returns>True when it parsed.</returns>
    public static bool TryParseDate(string? text, out DateOnly date)
    {
        var t = (text ?? "").Trim().Replace(".", "", StringComparison.Ordinal);
        return DateOnly.TryParseExact(t, "yyyyMMdd", CultureInfo.InvariantCulture, DateTimeStyles.None, out date);
    }

    /// <summary>Parses a TM value, <c>HH[MM[SS[.F{1-6}]]]</c> (also the old <c>HH:MM:SS</c>).</summary>
    /// <param name="text">The value.</param>
    /// <param name="time">The time of day.</param>
    /// <returns>True when it parsed.</returns>
    public static bool TryParseTime(string? text, out TimeSpan time)
    {
        time = default;
        var t = (text ?? "").Trim().Replace(":", "", StringComparison.Ordinal);
        if (t.Length < 2) return false;
        string whole = t, fraction = "";
        int dot = t.IndexOf('.', StringComparison.Ordinal);
        if (dot >= 0)
        {
            whole = t[..dot];
            fraction = t[(dot + 1)..];
        }
        if (whole.Length is not (2 or 4 or 6) || !whole.All(char.IsAsciiDigit) || !fraction.All(char.IsAsciiDigit) || fraction.Length > 6) return false;
        int h = int.Parse(whole[..2], CultureInfo.InvariantCulture);
        int m = whole.Length >= 4 ? int.Parse(whole[2..4], CultureInfo.InvariantCulture) : 0;
        int s = whole.Length >= 6 ? int.Parse(whole[4..6], CultureInfo.InvariantCulture) : 0;
        if (h > 23 || m > 59 || s > 60) return false;
        double f = fraction.Length > 0 ? double.Parse("0." + fraction, CultureInfo.InvariantCulture) : 0;
        time = new TimeSpan(h, m, s) + TimeSpan.FromSeconds(f);
        return true;
    }

    /// <summary>Parses a DT value, <c>YYYYMMDDHHMMSS.FFFFFF</c>, ignoring a UTC offset suffix.</summary>
    /// <param name="text">The value.</param>
    /// <param name="dateTime">The date and time.</param>
    /// <returns>True when it parsed.</returns>
    public static bool TryParseDateTime(string? text, out DateTime dateTime)
    {
        dateTime = default;
        var t = (text ?? "").Trim();
        int zone = t.IndexOfAny(['+', '-'], Math.Min(t.Length, 4));
        if (zone > 0) t = t[..zone];
        if (t.Length < 8 || !TryParseDate(t[..8], out var date)) return false;
        var time = TimeSpan.Zero;
        if (t.Length > 8 && !TryParseTime(t[8..], out time)) return false;
        dateTime = date.ToDateTime(TimeOnly.MinValue) + time;
        return true;
    }
}
