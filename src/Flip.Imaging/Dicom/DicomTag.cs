using System.Globalization;

namespace Flip.Imaging.Dicom;

/// <summary>A DICOM attribute tag: a group and an element number, as in (0010,0010).</summary>
/// <remarks>PS3.5 §7.1. Tags order by group, then element, which is the order of a dataset.</remarks>
/// <param name="group">The group number.</param>
/// <param name="element">The element number.</param>
public readonly partial struct DicomTag(ushort group, ushort element) : IEquatable<DicomTag>, IComparable<DicomTag>
{
    /// <summary>The tag as one 32-bit number, group in the high half.</summary>
    public uint Value { get; } = (uint)group << 16 | element;

    /// <summary>The group number.</summary>
    public ushort Group => (ushort)(Value >> 16);

    /// <summary>The element number.</summary>
    public ushort Element => (ushort)Value;

    /// <summary>True for a private tag (odd group, PS3.5 §7.8).</summary>
    public bool IsPrivate => (Group & 1) == 1 && Group > 0x0008;

    /// <summary>True for a private creator element (odd group, element 0010–00FF).</summary>
    public bool IsPrivateCreator => IsPrivate && Element is >= 0x0010 and <= 0x00FF;

    /// <summary>The dictionary keyword, such as <c>PatientName</c>, or the tag in hex when the dictionary has none.</summary>
    public string Keyword => DicomDictionary.TryLookup(this, out var entry) ? entry.Keyword : IsPrivateCreator ? "PrivateCreator" : ToString();

    /// <summary>Creates a tag from its 32-bit value.</summary>
    /// <param name="value">Group in the high 16 bits, element in the low 16.</param>
    /// <returns>The tag.</returns>
    public static DicomTag FromUInt32(uint value) => new((ushort)(value >> 16), (ushort)value);

    /// <summary>Parses <c>GGGGEEEE</c> or <c>(GGGG,EEEE)</c>.</summary>
    /// <param name="text">The tag text.</param>
    /// <returns>The tag.</returns>
    /// <exception cref="FormatException">The text is not a tag.</exception>
    public static DicomTag Parse(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var hex = text.Replace("(", "", StringComparison.Ordinal).Replace(")", "", StringComparison.Ordinal).Replace(",", "", StringComparison.Ordinal);
        if (hex.Length != 8 || !uint.TryParse(hex, NumberStyles.HexNumber, CultureInfo.InvariantCulture, out var value))
            throw new FormatException($"'{text}' is not a DICOM tag; expected GGGGEEEE or (GGGG,EEEE).");
        return FromUInt32(value);
    }

    /// <summary>The tag as <c>(GGGG,EEEE)</c>.</summary>
    /// <returns>The text.</returns>
    public override string ToString() => $"({Group:X4},{Element:X4})";

    /// <summary>The tag as <c>GGGGEEEE</c>, the key DICOM JSON uses (PS3.18 §F.2).</summary>
    /// <returns>Eight hex digits.</returns>
    public string ToHex() => Value.ToString("X8", CultureInfo.InvariantCulture);

    /// <inheritdoc/>
    public bool Equals(DicomTag other) => Value == other.Value;

    /// <inheritdoc/>
    public override bool Equals(object? obj) => obj is DicomTag other && Equals(other);

    /// <inheritdoc/>
    public override int GetHashCode() => (int)Value;

    /// <inheritdoc/>
    public int CompareTo(DicomTag other) => Value.CompareTo(other.Value);

    /// <summary>True when both tags are the same.</summary>
    /// <param name="left">A tag.</param>
    /// <param name="right">Another tag.</param>
    /// <returns>Whether they are equal.</returns>
    public static bool operator ==(DicomTag left, DicomTag right) => left.Equals(right);

    /// <summary>True when the tags differ.</summary>
    /// <param name="left">A tag.</param>
    /// <param name="right">Another tag.</param>
    /// <returns>Whether they differ.</returns>
    public static bool operator !=(DicomTag left, DicomTag right) => !left.Equals(right);

    /// <summary>True when <paramref name="left"/> sorts before <paramref name="right"/>.</summary>
    /// <param name="left">A tag.</param>
    /// <param name="right">Another tag.</param>
    /// <returns>The comparison.</returns>
    public static bool operator <(DicomTag left, DicomTag right) => left.Value < right.Value;

    /// <summary>True when <paramref name="left"/> sorts after <paramref name="right"/>.</summary>
    /// <param name="left">A tag.</param>
    /// <param name="right">Another tag.</param>
    /// <returns>The comparison.</returns>
    public static bool operator >(DicomTag left, DicomTag right) => left.Value > right.Value;

    /// <summary>True when <paramref name="left"/> sorts before or equals <paramref name="right"/>.</summary>
    /// <param name="left">A tag.</param>
    /// <param name="right">Another tag.</param>
    /// <returns>The comparison.</returns>
    public static bool operator <=(DicomTag left, DicomTag right) => left.Value <= right.Value;

    /// <summary>True when <paramref name="left"/> sorts after or equals <paramref name="right"/>.</summary>
    /// <param name="left">A tag.</param>
    /// <param name="right">Another tag.</param>
    /// <returns>The comparison.</returns>
    public static bool operator >=(DicomTag left, DicomTag right) => left.Value >= right.Value;
}
