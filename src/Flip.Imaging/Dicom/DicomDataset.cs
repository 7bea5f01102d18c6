using System.Buffers.Binary;
using System.Diagnostics.CodeAnalysis;
using System.Globalization;

namespace Flip.Imaging.Dicom;

/// <summary>A DICOM dataset: elements in tag order, read as text or numbers through one consistent set of getters.</summary>
/// <remarks>
/// Getters come in threes, as fo-dicom's do: <c>GetX(tag)</c> throws <see cref="DicomFormatException"/>
/// naming the file and tag when the attribute is missing or unreadable; <c>TryGetX(tag, out …)</c>
/// returns false instead; <c>GetXOrDefault(tag, fallback)</c> returns the fallback. Text is
/// decoded with the dataset's <see cref="CharacterSet"/> and stripped of its padding (PS3.5 §6.2).
/// </remarks>
public sealed partial class DicomDataset : IEnumerable<DicomElement>
{
    private readonly List<DicomElement> _elements;
    private readonly DicomDataset? _parent;
    private DicomCharacterSet? _characterSet;
    private bool _ownCharacterSetStale = true;

    /// <summary>Creates an empty dataset.</summary>
    public DicomDataset()
        : this(null, null, 8)
    {
    }

    internal DicomDataset(string? sourceFile, DicomDataset? parent, int capacity)
    {
        SourceFile = sourceFile;
        _parent = parent;
        _elements = new List<DicomElement>(capacity);
    }

    /// <summary>The file the dataset was read from, for messages; <see langword="null"/> when made in memory.</summary>
    public string? SourceFile { get; internal set; }

    /// <summary>The number of elements at this level.</summary>
    public int Count => _elements.Count;

    /// <summary>The character set of text values: this dataset's Specific Character Set, else its parent's, else the default repertoire.</summary>
    public DicomCharacterSet CharacterSet
    {
        get
        {
            if (_characterSet is not null && !_ownCharacterSetStale) return _characterSet;
            if (!_ownCharacterSetStale && _parent is not null) return _parent.CharacterSet;
            _ownCharacterSetStale = false;
            _characterSet = null;
            if (TryGetElement(DicomTag.SpecificCharacterSet, out var e))
            {
                var terms = DicomCharacterSet.Default.Decode(e.RawValue.Span).Split('\\').Select(t => t.Trim(' ', '\0')).ToArray();
                try
                {
                    _characterSet = DicomCharacterSet.FromTerms(terms);
                }
                catch (ArgumentException ex)
                {
                    throw DicomFormatException.InvalidValue(SourceFile, e.Offset, e.Tag, e.VR, string.Join('\\', terms), "a defined term of PS3.3 §C.12.1.1.2 such as 'ISO_IR 100' or 'ISO_IR 192' (" + ex.Message + ")");
                }
                return _characterSet;
            }
            if (_parent is not null) return _parent.CharacterSet;
            return _characterSet = DicomCharacterSet.Default;
        }
    }

    /// <summary>The elements in tag order.</summary>
    public IReadOnlyList<DicomElement> Elements => _elements;

    /// <inheritdoc/>
    public IEnumerator<DicomElement> GetEnumerator() => _elements.GetEnumerator();

    System.Collections.IEnumerator System.Collections.IEnumerable.GetEnumerator() => GetEnumerator();

    /// <summary>True when the dataset holds the tag.</summary>
    /// <param name="tag">The tag.</param>
    /// <returns>Whether it is present.</returns>
    public bool Contains(DicomTag tag) => IndexOf(tag) >= 0;

    private int IndexOf(DicomTag tag)
    {
        var list = _elements;
        int lo = 0, hi = list.Count - 1;
        uint v = tag.Value;
        while (lo <= hi)
        {
            int mid = (lo + hi) >>> 1;
            uint m = list[mid].Tag.Value;
            if (m == v) return mid;
            if (m < v) lo = mid + 1;
            else hi = mid - 1;
        }
        return ~lo;
    }

    /// <summary>Gets an element.</summary>
    /// <param name="tag">The tag.</param>
    /// <param name="element">The element, when present.</param>
    /// <returns>True when present.</returns>
    public bool TryGetElement(DicomTag tag, [NotNullWhen(true)] out DicomElement? element)
    {
        int i = IndexOf(tag);
        element = i >= 0 ? _elements[i] : null;
        return element is not null;
    }

    /// <summary>Gets an element.</summary>
    /// <param name="tag">The tag.</param>
    /// <returns>The element.</returns>
    /// <exception cref="DicomFormatException">The attribute is missing.</exception>
    public DicomElement GetElement(DicomTag tag) =>
        TryGetElement(tag, out var e) ? e : throw DicomFormatException.MissingAttribute(SourceFile, tag);

    /// <summary>Adds an element, replacing one with the same tag.</summary>
    /// <param name="element">The element.</param>
    public void Set(DicomElement element)
    {
        ArgumentNullException.ThrowIfNull(element);
        int i = IndexOf(element.Tag);
        if (i >= 0) _elements[i] = element;
        else _elements.Insert(~i, element);
        if (element.Tag == DicomTag.SpecificCharacterSet) _ownCharacterSetStale = true;
    }

    /// <summary>Appends an element read from a file; files are normally in tag order, so this is O(1).</summary>
    internal void AddParsed(DicomElement element)
    {
        var list = _elements;
        if (list.Count == 0 || list[^1].Tag.Value < element.Tag.Value) list.Add(element);
        else Set(element);
        if (element.Tag.Value == 0x00080005u) _ownCharacterSetStale = true;
    }

    /// <summary>Removes an element.</summary>
    /// <param name="tag">The tag.</param>
    /// <returns>True when it was present.</returns>
    public bool Remove(DicomTag tag)
    {
        int i = IndexOf(tag);
        if (i < 0) return false;
        _elements.RemoveAt(i);
        if (tag == DicomTag.SpecificCharacterSet) _ownCharacterSetStale = true;
        return true;
    }

    /// <summary>Removes every element the predicate selects.</summary>
    /// <param name="predicate">Which elements to remove.</param>
    /// <returns>How many were removed.</returns>
    public int RemoveAll(Predicate<DicomElement> predicate)
    {
        int n = _elements.RemoveAll(predicate);
        _ownCharacterSetStale = true;
        return n;
    }

    // ---- text ----

    /// <summary>Gets the whole text value (all values joined by backslashes), padding removed.</summary>
    /// <param name="tag">The tag.</param>
    /// <returns>The text.</returns>
    /// <exception cref="DicomFormatException">The attribute is missing or is not text.</exception>
    public string GetString(DicomTag tag)
    {
        var e = GetElement(tag);
        return TryDecode(e, out var s) ? s : throw DicomFormatException.InvalidValue(SourceFile, e.Offset, tag, e.VR, $"{e.Length} bytes of {e.VR}", "a text VR");
    }

    /// <summary>Gets the whole text value, padding removed.</summary>
    /// <param name="tag">The tag.</param>
    /// <param name="value">The text, when present and text.</param>
    /// <returns>True when present and text.</returns>
    public bool TryGetString(DicomTag tag, [NotNullWhen(true)] out string? value)
    {
        value = null;
        return TryGetElement(tag, out var e) && TryDecode(e, out value);
    }

    /// <summary>Gets the whole text value, or a fallback when missing.</summary>
    /// <param name="tag">The tag.</param>
    /// <param name="fallback">What to return when the attribute is missing or not text.</param>
    /// <returns>The text or the fallback.</returns>
    public string GetStringOrDefault(DicomTag tag, string fallback) => TryGetString(tag, out var s) ? s : fallback;

    /// <summary>Gets the values of a multi-valued text attribute, split at backslashes, each trimmed.</summary>
    /// <param name="tag">The tag.</param>
    /// <returns>The values; empty when the value is empty.</returns>
    /// <exception cref="DicomFormatException">The attribute is missing or is not text.</exception>
    public string[] GetStrings(DicomTag tag)
    {
        var e = GetElement(tag);
        var s = GetString(tag);
        return SplitValues(e.VR, s);
    }

    internal static string[] SplitValues(DicomVR vr, string s)
    {
        if (s.Length == 0) return [];
        if (DicomVRInfo.IsSingleValuedText(vr)) return [s];
        var parts = s.Split('\\');
        for (int i = 0; i < parts.Length; i++) parts[i] = parts[i].Trim(' ', '\0');
        return parts;
    }

    private bool TryDecode(DicomElement e, [NotNullWhen(true)] out string? value)
    {
        if (!DicomVRInfo.IsString(e.VR) && e.VR != DicomVR.UN)
        {
            value = null;
            return false;
        }
        var span = e.RawValue.Span;
        value = DicomVRInfo.UsesCharacterSet(e.VR) ? CharacterSet.Decode(span) : DicomCharacterSet.Default.Decode(span);
        value = e.VR is DicomVR.LT or DicomVR.ST or DicomVR.UT ? value.TrimEnd(' ', '\0') : value.Trim(' ', '\0');
        return true;
    }

    // ---- numbers ----

    /// <summary>Gets one numeric value as a double, from any numeric or decimal/integer string VR.</summary>
    /// <param name="tag">The tag.</param>
    /// <param name="index">Which value (0-based) of a multi-valued attribute.</param>
    /// <returns>The number.</returns>
    /// <exception cref="DicomFormatException">The attribute is missing, has too few values or is not a number.</exception>
    public double GetDouble(DicomTag tag, int index = 0)
    {
        var e = GetElement(tag);
        return TryReadDouble(e, index, out var v) ? v
            : throw DicomFormatException.InvalidValue(SourceFile, e.Offset, tag, e.VR, Preview(e), $"a number at value index {index}");
    }

    /// <summary>Gets one numeric value as a double.</summary>
    /// <param name="tag">The tag.</param>
    /// <param name="value">The number, when present and readable.</param>
    /// <param name="index">Which value (0-based).</param>
    /// <returns>True when present and a number.</returns>
    public bool TryGetDouble(DicomTag tag, out double value, int index = 0)
    {
        value = 0;
        return TryGetElement(tag, out var e) && TryReadDouble(e, index, out value);
    }

    /// <summary>Gets one numeric value as a double, or a fallback.</summary>
    /// <param name="tag">The tag.</param>
    /// <param name="fallback">What to return when the attribute is missing or not a number.</param>
    /// <param name="index">Which value (0-based).</param>
    /// <returns>The number or the fallback.</returns>
    public double GetDoubleOrDefault(DicomTag tag, double fallback, int index = 0) => TryGetDouble(tag, out var v, index) ? v : fallback;

    /// <summary>Gets every numeric value of an attribute as doubles.</summary>
    /// <param name="tag">The tag.</param>
    /// <returns>The numbers.</returns>
    /// <exception cref="DicomFormatException">The attribute is missing or not numeric.</exception>
    public double[] GetDoubles(DicomTag tag)
    {
        var e = GetElement(tag);
        int n = ValueCount(e);
        var result = new double[n];
        for (int i = 0; i < n; i++)
            if (!TryReadDouble(e, i, out result[i]))
                throw DicomFormatException.InvalidValue(SourceFile, e.Offset, tag, e.VR, Preview(e), $"{n} numbers");
        return result;
    }

    /// <summary>Gets one numeric value as a 32-bit integer.</summary>
    /// <param name="tag">The tag.</param>
    /// <param name="index">Which value (0-based).</param>
    /// <returns>The integer.</returns>
    /// <exception cref="DicomFormatException">The attribute is missing, or not an integer in range.</exception>
    public int GetInt32(DicomTag tag, int index = 0)
    {
        var e = GetElement(tag);
        return TryReadInt32(e, index, out var v) ? v
            : throw DicomFormatException.InvalidValue(SourceFile, e.Offset, tag, e.VR, Preview(e), $"an integer at value index {index}");
    }

    /// <summary>Gets one numeric value as a 32-bit integer.</summary>
    /// <param name="tag">The tag.</param>
    /// <param name="value">The integer, when present and readable.</param>
    /// <param name="index">Which value (0-based).</param>
    /// <returns>True when present and an integer in range.</returns>
    public bool TryGetInt32(DicomTag tag, out int value, int index = 0)
    {
        value = 0;
        return TryGetElement(tag, out var e) && TryReadInt32(e, index, out value);
    }

    /// <summary>Gets one numeric value as a 32-bit integer, or a fallback.</summary>
    /// <param name="tag">The tag.</param>
    /// <param name="fallback">What to return when missing or not an integer.</param>
    /// <param name="index">Which value (0-based).</param>
    /// <returns>The integer or the fallback.</returns>
    public int GetInt32OrDefault(DicomTag tag, int fallback, int index = 0) => TryGetInt32(tag, out var v, index) ? v : fallback;

    /// <summary>Gets the items of a sequence.</summary>
    /// <param name="tag">The tag.</param>
    /// <returns>The items.</returns>
    /// <exception cref="DicomFormatException">The attribute is missing or not a sequence.</exception>
    public IReadOnlyList<DicomDataset> GetSequence(DicomTag tag)
    {
        var e = GetElement(tag);
        return e.IsSequence ? e.Items : throw DicomFormatException.InvalidValue(SourceFile, e.Offset, tag, e.VR, Preview(e), "a sequence (SQ)");
    }

    /// <summary>Gets the items of a sequence.</summary>
    /// <param name="tag">The tag.</param>
    /// <param name="items">The items, when present and a sequence.</param>
    /// <returns>True when present and a sequence.</returns>
    public bool TryGetSequence(DicomTag tag, [NotNullWhen(true)] out IReadOnlyList<DicomDataset>? items)
    {
        items = TryGetElement(tag, out var e) && e.IsSequence ? e.Items : null;
        return items is not null;
    }

    /// <summary>The number of values of an element (its VM as found): strings split at backslashes, binary values by width, items of a sequence.</summary>
    /// <param name="element">The element.</param>
    /// <returns>The count.</returns>
    public int ValueCount(DicomElement element)
    {
        ArgumentNullException.ThrowIfNull(element);
        if (element.IsSequence) return element.Items.Count;
        if (element.Fragments is not null) return 1;
        int width = BinaryWidth(element.VR);
        if (width > 0) return element.RawValue.Length / width;
        if (DicomVRInfo.IsString(element.VR)) return TryDecode(element, out var s) ? SplitValues(element.VR, s).Length : 0;
        return element.Length == 0 ? 0 : 1;
    }

    internal static int BinaryWidth(DicomVR vr) => vr switch
    {
        DicomVR.US or DicomVR.SS => 2,
        DicomVR.UL or DicomVR.SL or DicomVR.FL or DicomVR.AT => 4,
        DicomVR.FD or DicomVR.SV or DicomVR.UV => 8,
        _ => 0,
    };

    private bool TryReadDouble(DicomElement e, int index, out double value)
    {
        value = 0;
        var span = e.RawValue.Span;
        int w = BinaryWidth(e.VR);
        if (w > 0)
        {
            if (index < 0 || (index + 1) * w > span.Length) return false;
            var s = span.Slice(index * w, w);
            value = e.VR switch
            {
                DicomVR.US => BinaryPrimitives.ReadUInt16LittleEndian(s),
                DicomVR.SS => BinaryPrimitives.ReadInt16LittleEndian(s),
                DicomVR.UL or DicomVR.AT => BinaryPrimitives.ReadUInt32LittleEndian(s),
                DicomVR.SL => BinaryPrimitives.ReadInt32LittleEndian(s),
                DicomVR.FL => BinaryPrimitives.ReadSingleLittleEndian(s),
                DicomVR.FD => BinaryPrimitives.ReadDoubleLittleEndian(s),
                DicomVR.SV => BinaryPrimitives.ReadInt64LittleEndian(s),
                _ => BinaryPrimitives.ReadUInt64LittleEndian(s),
            };
            return true;
        }
        if (e.VR is DicomVR.DS or DicomVR.IS)
        {
            var text = DicomCharacterSet.Default.Decode(span);
            var parts = SplitValues(e.VR, text.Trim(' ', '\0'));
            return index >= 0 && index < parts.Length
                && double.TryParse(parts[index], NumberStyles.Float, CultureInfo.InvariantCulture, out value);
        }
        return false;
    }

    private bool TryReadInt32(DicomElement e, int index, out int value)
    {
        value = 0;
        if (!TryReadDouble(e, index, out var d)) return false;
        if (d != Math.Floor(d) || d < int.MinValue || d > int.MaxValue) return false;
        value = (int)d;
        return true;
    }

    private string Preview(DicomElement e)
    {
        if (e.IsSequence) return $"sequence of {e.Items.Count} items";
        if (DicomVRInfo.IsString(e.VR) && TryDecode(e, out var s)) return s.Length > 64 ? s[..64] + "…" : s;
        return $"{e.Length} bytes";
    }
}
