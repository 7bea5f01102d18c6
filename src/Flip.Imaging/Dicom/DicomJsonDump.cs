using System.Buffers.Binary;
using System.Globalization;
using System.Text;
using System.Text.Json;

namespace Flip.Imaging.Dicom;

/// <summary>Writes a DICOM file as the JSON of <c>flip-research dicom dump --json</c>.</summary>
/// <remarks>
/// Shape: <c>{"transferSyntax": uid, "elements": [{"tag": "GGGGEEEE", "vr", "vm", "value"?,
/// "length"?, "items"?: [{"elements": [...]}]}], "pixels": {"rows", "columns", "frames",
/// "samplesPerPixel", "bitsAllocated", "bitsStored", "pixelRepresentation", "sha256"}}</c>.
/// Text values and up to <see cref="MaxInlineValues"/> binary numbers are given as a string
/// (numbers joined with backslashes); long or opaque values only as "length". The SHA-256 is over
/// the decoded stored values as <see cref="DicomPixelData.ComputeSha256"/> defines; it is
/// <see langword="null"/> with a "note" when the pixel data is compressed in a syntax this
/// library does not decode. File meta elements (group 0002) are not listed.
/// </remarks>
public static class DicomJsonDump
{
    /// <summary>The most binary values written inline.</summary>
    public const int MaxInlineValues = 64;

    /// <summary>The longest text value written inline, in characters.</summary>
    public const int MaxInlineText = 1024;

    /// <summary>Writes the dump of a file.</summary>
    /// <param name="file">The file.</param>
    /// <param name="output">Where to write UTF-8 JSON.</param>
    /// <param name="indented">Indent for people rather than machines.</param>
    /// <exception cref="DicomFormatException">A value or the pixel data is malformed.</exception>
    public static void Write(DicomFile file, Stream output, bool indented = true)
    {
        ArgumentNullException.ThrowIfNull(file);
        ArgumentNullException.ThrowIfNull(output);
        using var w = new Utf8JsonWriter(output, new JsonWriterOptions { Indented = indented, Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping });
        w.WriteStartObject();
        w.WriteString("transferSyntax", file.TransferSyntax.Uid);
        WriteElements(w, file.Dataset);
        if (file.Dataset.Contains(DicomTag.PixelData) && file.Dataset.Contains(DicomTag.Rows))
        {
            var pixels = DicomPixelData.Create(file);
            w.WriteStartObject("pixels");
            w.WriteNumber("rows", pixels.Rows);
            w.WriteNumber("columns", pixels.Columns);
            w.WriteNumber("frames", pixels.FrameCount);
            w.WriteNumber("samplesPerPixel", pixels.SamplesPerPixel);
            w.WriteNumber("bitsAllocated", pixels.BitsAllocated);
            w.WriteNumber("bitsStored", pixels.BitsStored);
            w.WriteNumber("pixelRepresentation", pixels.PixelRepresentation);
            if (pixels.CanDecode)
            {
                w.WriteString("sha256", pixels.ComputeSha256());
            }
            else
            {
                w.WriteNull("sha256");
                w.WriteString("note", $"{pixels.TransferSyntax.Name} is not decoded; convert with dcmdjpeg or 'gdcmconv --raw'");
            }
            w.WriteEndObject();
        }
        w.WriteEndObject();
    }

    /// <summary>The dump of a file as a string.</summary>
    /// <param name="file">The file.</param>
    /// <param name="indented">Indent for people rather than machines.</param>
    /// <returns>The JSON.</returns>
    /// <exception cref="DicomFormatException">A value or the pixel data is malformed.</exception>
    public static string ToJson(DicomFile file, bool indented = true)
    {
        using var ms = new MemoryStream();
        Write(file, ms, indented);
        return Encoding.UTF8.GetString(ms.ToArray());
    }

    private static void WriteElements(Utf8JsonWriter w, DicomDataset ds)
    {
        w.WriteStartArray("elements");
        foreach (var e in ds)
        {
            w.WriteStartObject();
            w.WriteString("tag", e.Tag.ToHex());
            w.WriteString("vr", e.VR.ToString());
            w.WriteNumber("vm", ds.ValueCount(e));
            if (e.IsSequence)
            {
                w.WriteStartArray("items");
                foreach (var item in e.Items)
                {
                    w.WriteStartObject();
                    WriteElements(w, item);
                    w.WriteEndObject();
                }
                w.WriteEndArray();
            }
            else if (e.Fragments is not null)
            {
                w.WriteNumber("fragments", e.Fragments.Fragments.Count);
            }
            else
            {
                var text = InlineValue(ds, e);
                if (text is not null) w.WriteString("value", text);
                else w.WriteNumber("length", e.Length);
            }
            w.WriteEndObject();
        }
        w.WriteEndArray();
    }

    private static string? InlineValue(DicomDataset ds, DicomElement e)
    {
        if (DicomVRInfo.IsString(e.VR))
        {
            var s = ds.GetString(e.Tag);
            return s.Length <= MaxInlineText ? s : null;
        }
        int width = DicomDataset.BinaryWidth(e.VR);
        if (width == 0 || e.Length / width > MaxInlineValues) return null;
        var span = e.RawValue.Span;
        var sb = new StringBuilder();
        for (int i = 0; i + width <= span.Length; i += width)
        {
            if (i > 0) sb.Append('\\');
            var v = span.Slice(i, width);
            switch (e.VR)
            {
                case DicomVR.US: sb.Append(BinaryPrimitives.ReadUInt16LittleEndian(v)); break;
                case DicomVR.SS: sb.Append(BinaryPrimitives.ReadInt16LittleEndian(v)); break;
                case DicomVR.UL: sb.Append(BinaryPrimitives.ReadUInt32LittleEndian(v)); break;
                case DicomVR.SL: sb.Append(BinaryPrimitives.ReadInt32LittleEndian(v)); break;
                case DicomVR.FL: sb.Append(BinaryPrimitives.ReadSingleLittleEndian(v).ToString("R", CultureInfo.InvariantCulture)); break;
                case DicomVR.FD: sb.Append(BinaryPrimitives.ReadDoubleLittleEndian(v).ToString("R", CultureInfo.InvariantCulture)); break;
                case DicomVR.SV: sb.Append(BinaryPrimitives.ReadInt64LittleEndian(v)); break;
                case DicomVR.UV: sb.Append(BinaryPrimitives.ReadUInt64LittleEndian(v)); break;
                default:
                    sb.Append(CultureInfo.InvariantCulture, $"{BinaryPrimitives.ReadUInt16LittleEndian(v):X4}{BinaryPrimitives.ReadUInt16LittleEndian(v[2..]):X4}");
                    break;
            }
        }
        return sb.ToString();
    }
}
