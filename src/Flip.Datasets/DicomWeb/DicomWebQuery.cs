using System.Globalization;
using System.Text;
using Flip.Imaging.Dicom;

namespace Flip.Datasets.DicomWeb;

/// <summary>The match keys of a QIDO-RS search (PS3.18 §8.3.4): patient, modality, study date range, series description, UIDs, extra fields to return.</summary>
/// <remarks>
/// Values may use DICOM wildcards (<c>*</c>, <c>?</c>) and <c>^</c> in person names. They are sent
/// literally: Orthanc 1.10 does not decode percent-encoded query values, so <c>Test%5E*</c> would
/// match nothing while <c>Test^*</c> matches. Only characters that cannot stand in a query
/// (space, <c>&amp;</c>, <c>=</c>, <c>#</c>, <c>+</c>, <c>%</c>, non-ASCII) are percent-encoded.
/// </remarks>
public sealed record DicomWebQuery
{
    /// <summary>All studies, series or instances.</summary>
    public static DicomWebQuery All { get; } = new();

    /// <summary>Patient ID (0010,0020), wildcards allowed.</summary>
    public string? PatientId { get; init; }

    /// <summary>Modality (0008,0060) of a series, e.g. <c>MR</c>.</summary>
    public string? Modality { get; init; }

    /// <summary>First study date of the range, inclusive.</summary>
    public DateOnly? StudyDateFrom { get; init; }

    /// <summary>Last study date of the range, inclusive.</summary>
    public DateOnly? StudyDateTo { get; init; }

    /// <summary>Series Description (0008,103E), wildcards allowed.</summary>
    public string? SeriesDescription { get; init; }

    /// <summary>Study Instance UID (0020,000D).</summary>
    public string? StudyInstanceUid { get; init; }

    /// <summary>Series Instance UID (0020,000E).</summary>
    public string? SeriesInstanceUid { get; init; }

    /// <summary>Further match keys by keyword or tag (e.g. <c>InstanceNumber</c> = <c>5</c>).</summary>
    public IReadOnlyDictionary<string, string> MatchKeys { get; init; } = new Dictionary<string, string>();

    /// <summary>Attributes to return besides the defaults (<c>includefield</c>).</summary>
    public IReadOnlyList<DicomTag> IncludeFields { get; init; } = [];

    /// <summary>The query string for one page, without the leading <c>?</c>.</summary>
    /// <param name="limit">Page size, or null for the server's default.</param>
    /// <param name="offset">Results to skip.</param>
    /// <returns>E.g. <c>PatientID=FLIP*&amp;limit=100&amp;offset=0</c>.</returns>
    public string ToQueryString(int? limit = null, int offset = 0)
    {
        var parts = new List<string>();
        void Add(string key, string? value)
        {
            if (!string.IsNullOrEmpty(value)) parts.Add(key + "=" + EncodeValue(value));
        }

        Add("PatientID", PatientId);
        Add("StudyInstanceUID", StudyInstanceUid);
        Add("SeriesInstanceUID", SeriesInstanceUid);
        Add("Modality", Modality);
        Add("SeriesDescription", SeriesDescription);
        if (StudyDateFrom is not null || StudyDateTo is not null)
        {
            Add("StudyDate", $"{StudyDateFrom?.ToString("yyyyMMdd", CultureInfo.InvariantCulture)}-{StudyDateTo?.ToString("yyyyMMdd", CultureInfo.InvariantCulture)}");
        }

        foreach (var (key, value) in MatchKeys.OrderBy(k => k.Key, StringComparer.Ordinal))
        {
            Add(EncodeValue(key), value);
        }

        foreach (DicomTag field in IncludeFields)
        {
            Add("includefield", field.ToHex());
        }

        if (limit is not null) Add("limit", limit.Value.ToString(CultureInfo.InvariantCulture));
        if (offset > 0) Add("offset", offset.ToString(CultureInfo.InvariantCulture));
        return string.Join('&', parts);
    }

    /// <summary>Percent-encodes only what cannot stand literally in a query value.</summary>
    internal static string EncodeValue(string value)
    {
        var text = new StringBuilder(value.Length);
        foreach (byte b in Encoding.UTF8.GetBytes(value))
        {
            char c = (char)b;
            bool literal = b < 0x80 && (char.IsAsciiLetterOrDigit(c) || "-._~*?^,:/@!$'()[];".Contains(c, StringComparison.Ordinal));
            if (literal) text.Append(c);
            else text.Append(CultureInfo.InvariantCulture, $"%{b:X2}");
        }

        return text.ToString();
    }
}
