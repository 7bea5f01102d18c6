using System.Globalization;
using System.Text.Json;

namespace Flip.Reporting;

/// <summary>What a report shows about one hospital of the cohort: counts and scanner, never patient data.</summary>
/// <param name="Id">The site id used in <c>metrics.csv</c>, e.g. <c>site-1</c>.</param>
/// <param name="DisplayName">A name for people, e.g. <c>Nijmegen (NL)</c>.</param>
/// <param name="Country">The country, e.g. <c>NL</c>.</param>
/// <param name="Vendor">The MRI scanner vendor, e.g. <c>Siemens</c>.</param>
/// <param name="FieldStrengthTesla">The MRI field strength in tesla, e.g. 3.</param>
/// <param name="Patients">The number of patients the site holds.</param>
/// <param name="CsPcaPrevalence">The fraction of patients with clinically significant prostate cancer (ISUP ≥ 2), 0 to 1.</param>
public sealed record SiteInfo(
    string Id,
    string DisplayName,
    string Country,
    string Vendor,
    double FieldStrengthTesla,
    int Patients,
    double CsPcaPrevalence)
{
    /// <summary>The site's value of a grouping, as shown in tables: the country, the vendor, or e.g. <c>1.5 T</c>.</summary>
    /// <param name="grouping">The grouping.</param>
    /// <returns>The group label.</returns>
    public string GroupOf(SiteGrouping grouping) => grouping switch
    {
        SiteGrouping.Country => Country,
        SiteGrouping.Vendor => Vendor,
        SiteGrouping.FieldStrength => FieldStrengthTesla.ToString("0.0##", CultureInfo.InvariantCulture) + " T",
        _ => throw new ArgumentOutOfRangeException(nameof(grouping), grouping, "Unknown grouping."),
    };

    private static readonly JsonSerializerOptions ReadOptions = new()
    {
        PropertyNameCaseInsensitive = true,
        AllowTrailingCommas = true,
        ReadCommentHandling = JsonCommentHandling.Skip,
        UnmappedMemberHandling = System.Text.Json.Serialization.JsonUnmappedMemberHandling.Disallow,
    };

    /// <summary>Reads a run folder's <c>sites.json</c>: a JSON array of objects with the properties of this record
    /// in camelCase (<c>id</c>, <c>displayName</c>, <c>country</c>, <c>vendor</c>, <c>fieldStrengthTesla</c>,
    /// <c>patients</c>, <c>csPcaPrevalence</c>).</summary>
    /// <param name="path">The file.</param>
    /// <returns>The sites, in file order.</returns>
    /// <exception cref="ReportInputException">The file is missing, is not JSON, has an unknown or missing property,
    /// or a value out of range; the message names the line and JSON path.</exception>
    public static IReadOnlyList<SiteInfo> LoadAll(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        if (!File.Exists(path)) throw ReportInputException.Missing(path, "a JSON array of sites");
        SiteInfo?[]? sites;
        try
        {
            sites = JsonSerializer.Deserialize<SiteInfo?[]>(File.ReadAllText(path), ReadOptions);
        }
        catch (JsonException e)
        {
            throw ReportInputException.BadJson(path, (e.LineNumber ?? -1) + 1, e.Path ?? "$", e.Message, "an array of site objects", e);
        }
        if (sites is null) throw ReportInputException.BadJson(path, 1, "$", "null", "an array of site objects");
        for (int i = 0; i < sites.Length; i++)
        {
            var site = sites[i];
            string at = string.Create(CultureInfo.InvariantCulture, $"$[{i}]");
            if (site is null) throw ReportInputException.BadJson(path, 0, at, "null", "a site object");
            if (string.IsNullOrWhiteSpace(site.Id)) throw ReportInputException.BadJson(path, 0, at + ".id", "a missing or empty id", "a site id such as site-1");
            if (site.Patients < 0) throw ReportInputException.BadJson(path, 0, at + ".patients", site.Patients.ToString(CultureInfo.InvariantCulture), "a count ≥ 0");
            if (!(site.CsPcaPrevalence is >= 0 and <= 1))
                throw ReportInputException.BadJson(path, 0, at + ".csPcaPrevalence", site.CsPcaPrevalence.ToString(CultureInfo.InvariantCulture), "a fraction from 0 to 1");
        }
        return [.. sites.Select(s => s! with
        {
            DisplayName = string.IsNullOrWhiteSpace(s.DisplayName) ? s.Id : s.DisplayName,
            Country = s.Country ?? "",
            Vendor = s.Vendor ?? "",
        })];
    }
}
