using System.Buffers.Binary;
using System.Globalization;

namespace Flip.Imaging.Dicom;

public sealed partial class DicomDataset
{
    /// <summary>Sets a text attribute, encoding it in the dataset's character set and padding it to even length.</summary>
    /// <param name="tag">The tag.</param>
    /// <param name="vr">A text VR.</param>
    /// <param name="values">The values; several are joined with backslashes.</param>
    /// <exception cref="ArgumentException">The VR is not text, or the text cannot be encoded in the character set.</exception>
    public void SetString(DicomTag tag, DicomVR vr, params string[] values)
    {
        ArgumentNullException.ThrowIfNull(values);
        if (!DicomVRInfo.IsString(vr)) throw new ArgumentException($"{vr} is not a text VR; use SetBytes or a numeric setter for {tag}.", nameof(vr));
        var text = string.Join('\\', values);
        byte[] bytes;
        if (tag == DicomTag.SpecificCharacterSet || !DicomVRInfo.UsesCharacterSet(vr))
        {
            foreach (char c in text)
                if (c > 0x7F) throw new ArgumentException($"{vr} values use the default repertoire only (PS3.5 §6.2); '{text}' has non-ASCII characters.", nameof(values));
            bytes = System.Text.Encoding.ASCII.GetBytes(text);
        }
        else
        {
            bytes = CharacterSet.Encode(text);
        }
        if ((bytes.Length & 1) == 1)
        {
            Array.Resize(ref bytes, bytes.Length + 1);
            bytes[^1] = DicomVRInfo.PaddingByte(vr);
        }
        Set(new DicomElement(tag, vr, bytes));
    }

    /// <summary>Sets unsigned 16-bit values (VR US).</summary>
    /// <param name="tag">The tag.</param>
    /// <param name="values">The values.</param>
    public void SetUInt16(DicomTag tag, params ushort[] values)
    {
        ArgumentNullException.ThrowIfNull(values);
        var bytes = new byte[values.Length * 2];
        for (int i = 0; i < values.Length; i++) BinaryPrimitives.WriteUInt16LittleEndian(bytes.AsSpan(i * 2), values[i]);
        Set(new DicomElement(tag, DicomVR.US, bytes));
    }

    /// <summary>Sets unsigned 32-bit values (VR UL).</summary>
    /// <param name="tag">The tag.</param>
    /// <param name="values">The values.</param>
    public void SetUInt32(DicomTag tag, params uint[] values)
    {
        ArgumentNullException.ThrowIfNull(values);
        var bytes = new byte[values.Length * 4];
        for (int i = 0; i < values.Length; i++) BinaryPrimitives.WriteUInt32LittleEndian(bytes.AsSpan(i * 4), values[i]);
        Set(new DicomElement(tag, DicomVR.UL, bytes));
    }

    /// <summary>Sets 64-bit floating point values (VR FD).</summary>
    /// <param name="tag">The tag.</param>
    /// <param name="values">The values.</param>
    public void SetFloat64(DicomTag tag, params double[] values)
    {
        ArgumentNullException.ThrowIfNull(values);
        var bytes = new byte[values.Length * 8];
        for (int i = 0; i < values.Length; i++) BinaryPrimitives.WriteDoubleLittleEndian(bytes.AsSpan(i * 8), values[i]);
        Set(new DicomElement(tag, DicomVR.FD, bytes));
    }

    /// <summary>Sets decimal string values (VR DS), each written in at most 16 characters (PS3.5 §6.2).</summary>
    /// <param name="tag">The tag.</param>
    /// <param name="values">The values.</param>
    public void SetDecimal(DicomTag tag, params double[] values)
    {
        ArgumentNullException.ThrowIfNull(values);
        SetString(tag, DicomVR.DS, values.Select(FormatDecimal).ToArray());
    }

    /// <summary>Sets integer string values (VR IS).</summary>
    /// <param name="tag">The tag.</param>
    /// <param name="values">The values.</param>
    public void SetInteger(DicomTag tag, params int[] values)
    {
        ArgumentNullException.ThrowIfNull(values);
        SetString(tag, DicomVR.IS, values.Select(v => v.ToString(CultureInfo.InvariantCulture)).ToArray());
    }

    /// <summary>Sets a raw value (VR OB, OW, UN and others), little endian for binary VRs; odd lengths are padded.</summary>
    /// <param name="tag">The tag.</param>
    /// <param name="vr">The VR.</param>
    /// <param name="value">The bytes.</param>
    public void SetBytes(DicomTag tag, DicomVR vr, ReadOnlyMemory<byte> value)
    {
        if ((value.Length & 1) == 1)
        {
            var padded = new byte[value.Length + 1];
            value.Span.CopyTo(padded);
            padded[^1] = DicomVRInfo.PaddingByte(vr);
            value = padded;
        }
        Set(new DicomElement(tag, vr, value));
    }

    /// <summary>Sets a sequence.</summary>
    /// <param name="tag">The tag.</param>
    /// <param name="items">The items.</param>
    public void SetSequence(DicomTag tag, params DicomDataset[] items) => Set(new DicomElement(tag, items));

    internal static string FormatDecimal(double value)
    {
        for (int digits = 15; digits > 0; digits--)
        {
            var s = value.ToString("G" + digits.ToString(CultureInfo.InvariantCulture), CultureInfo.InvariantCulture);
            if (s.Length <= 16) return s;
        }
        return value.ToString("E6", CultureInfo.InvariantCulture);
    }
}
