using System.Globalization;
using System.Text.Json;
using Flip.Imaging.Dicom;

namespace Flip.Datasets.DicomWeb;

/// <summary>One result of a QIDO-RS search or a metadata request: a dataset in the DICOM JSON model (PS3.18 §F.2).</summary>
/// <param name="Element">The JSON object, keyed by 8-digit tags.</param>
public sealed record DicomJsonObject(JsonElement Element)
{
    /// <summary>Study Instance UID (0020,000D), or <see langword="null"/>.</summary>
    public string? StudyInstanceUid => GetString(DicomTag.StudyInstanceUid);

    /// <summary>Series Instance UID (0020,000E), or <see langword="null"/>.</summary>
    public string? SeriesInstanceUid => GetString(DicomTag.SeriesInstanceUid);

    /// <summary>SOP Instance UID (0008,0018), or <see langword="null"/>.</summary>
    public string? SopInstanceUid => GetString(DicomTag.SopInstanceUid);

    /// <summary>The first value of an attribute as text (a person name's alphabetic form), or <see langword="null"/> when absent or empty.</summary>
    /// <param name="tag">The attribute.</param>
    /// <returns>The value.</returns>
    public string? GetString(DicomTag tag)
    {
        if (Element.ValueKind != JsonValueKind.Object
            || !Element.TryGetProperty(tag.ToHex(), out JsonElement attribute)
            || !attribute.TryGetProperty("Value", out JsonElement values)
            || values.ValueKind != JsonValueKind.Array
            || values.GetArrayLength() == 0)
        {
            return null;
        }

        JsonElement first = values[0];
        return first.ValueKind switch
        {
            JsonValueKind.String => first.GetString(),
            JsonValueKind.Number => first.GetRawText(),
            JsonValueKind.Object when first.TryGetProperty("Alphabetic", out JsonElement name) => name.GetString(),
            _ => null,
        };
    }

    /// <summary>The first value of an integer attribute (IS, US, UL, SL, …), or <see langword="null"/>.</summary>
    /// <param name="tag">The attribute.</param>
    /// <returns>The value.</returns>
    public long? GetInt64(DicomTag tag) =>
        long.TryParse(GetString(tag), NumberStyles.Integer, CultureInfo.InvariantCulture, out long value) ? value : null;
}
