using System.Text;

namespace Flip.Imaging.Dicom;

/// <summary>The character repertoire of a dataset's text, from Specific Character Set (0008,0005).</summary>
/// <remarks>
/// PS3.3 §C.12.1.1.2 and PS3.5 §6.1. Single-byte sets (ISO_IR 100 … 203, ISO_IR 13, ISO_IR 166),
/// UTF-8 (ISO_IR 192), GB18030 and GBK are decoded directly. ISO 2022 code extensions
/// (terms starting <c>ISO 2022</c>) switch sets at escape sequences: the Latin, Greek, Cyrillic,
/// Arabic, Hebrew and Thai G1 sets, JIS X 0201/0208/0212 (Japanese), KS X 1001 (Korean) and
/// GB 2312 (Chinese). Code pages come from <see cref="CodePagesEncodingProvider"/> without
/// registering it globally.
/// </remarks>
public sealed class DicomCharacterSet
{
    private static readonly Encoding s_latin1 = Encoding.Latin1;
    private readonly Encoding _initial;

    private DicomCharacterSet(IReadOnlyList<string> terms, Encoding initial, bool usesCodeExtensions)
    {
        Terms = terms;
        _initial = initial;
        UsesCodeExtensions = usesCodeExtensions;
    }

    /// <summary>The default repertoire (ASCII; bytes above 0x7F are read as ISO 8859-1 rather than lost).</summary>
    public static DicomCharacterSet Default { get; } = new([], s_latin1, false);

    /// <summary>ISO_IR 192: UTF-8.</summary>
    public static DicomCharacterSet Utf8 { get; } = new(["ISO_IR 192"], new UTF8Encoding(false), false);

    /// <summary>The defined terms, as in the element.</summary>
    public IReadOnlyList<string> Terms { get; }

    /// <summary>True when the set uses ISO 2022 escape sequences.</summary>
    public bool UsesCodeExtensions { get; }

    /// <summary>Creates the character set named by the values of Specific Character Set.</summary>
    /// <param name="terms">The values, such as <c>ISO_IR 100</c> or <c>["", "ISO 2022 IR 87"]</c>.</param>
    /// <returns>The character set.</returns>
    /// <exception cref="ArgumentException">A term is not a defined term of PS3.3 §C.12.1.1.2.</exception>
    public static DicomCharacterSet FromTerms(IReadOnlyList<string> terms)
    {
        ArgumentNullException.ThrowIfNull(terms);
        var cleaned = terms.Select(t => t.Trim()).ToArray();
        if (cleaned.Length == 0 || (cleaned.Length == 1 && cleaned[0].Length == 0)) return Default;
        bool extensions = cleaned.Length > 1 || cleaned.Any(t => t.StartsWith("ISO 2022", StringComparison.Ordinal));
        foreach (var t in cleaned)
            if (t.Length > 0 && !TryEncodingOf(t, out _))
                throw new ArgumentException($"'{t}' is not a Specific Character Set defined term; expected one of PS3.3 §C.12.1.1.2 such as 'ISO_IR 100' or 'ISO_IR 192'.", nameof(terms));
        var initial = cleaned[0].Length == 0 ? s_latin1 : EncodingOf(cleaned[0]);
        if (!extensions && cleaned[0] == "ISO_IR 192") return Utf8;
        return new DicomCharacterSet(cleaned, initial, extensions);
    }

    private static Encoding EncodingOf(string term) =>
        TryEncodingOf(term, out var e) ? e : s_latin1;

    private static Encoding CodePage(int codePage) =>
        CodePagesEncodingProvider.Instance.GetEncoding(codePage) ?? Encoding.GetEncoding(codePage);

    private static bool TryEncodingOf(string term, out Encoding encoding)
    {
        var name = term.Replace("ISO 2022 IR ", "ISO_IR ", StringComparison.Ordinal);
        int? cp = name switch
        {
            "ISO_IR 6" => 28591,
            "ISO_IR 100" => 28591,
            "ISO_IR 101" => 28592,
            "ISO_IR 109" => 28593,
            "ISO_IR 110" => 28594,
            "ISO_IR 144" => 28595,
            "ISO_IR 127" => 28596,
            "ISO_IR 126" => 28597,
            "ISO_IR 138" => 28598,
            "ISO_IR 148" => 28599,
            "ISO_IR 203" => 28605,
            "ISO_IR 166" => 874,
            "ISO_IR 13" => 932,
            "ISO_IR 192" => 65001,
            "GB18030" => 54936,
            "GBK" => 936,
            "ISO_IR 87" or "ISO_IR 159" => 50220,
            "ISO_IR 149" => 949,
            "ISO_IR 58" => 936,
            _ => null,
        };
        if (cp is null)
        {
            encoding = s_latin1;
            return false;
        }
        encoding = cp.Value switch
        {
            28591 => s_latin1,
            65001 => new UTF8Encoding(false),
            _ => CodePage(cp.Value),
        };
        return true;
    }

    /// <summary>Decodes a text value.</summary>
    /// <param name="bytes">The raw value.</param>
    /// <returns>The text, padding not yet removed.</returns>
    public string Decode(ReadOnlySpan<byte> bytes)
    {
        if (!UsesCodeExtensions || bytes.IndexOf((byte)0x1B) < 0) return _initial.GetString(bytes);
        return DecodeWithEscapes(bytes);
    }

    /// <summary>Encodes text for a value in this character set.</summary>
    /// <param name="text">The text.</param>
    /// <returns>The bytes, not yet padded.</returns>
    /// <exception cref="ArgumentException">The text has characters the set cannot represent.</exception>
    public byte[] Encode(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var enc = (Encoding)_initial.Clone();
        enc.EncoderFallback = EncoderFallback.ExceptionFallback;
        if (UsesCodeExtensions && Terms.Count > 0 && Terms[0].Length == 0) enc = Encoding.GetEncoding("us-ascii", EncoderFallback.ExceptionFallback, DecoderFallback.ReplacementFallback);
        try
        {
            return enc.GetBytes(text);
        }
        catch (EncoderFallbackException e)
        {
            throw new ArgumentException($"text has characters that Specific Character Set '{string.Join('\\', Terms)}' cannot represent; set it to 'ISO_IR 192' (UTF-8) first.", nameof(text), e);
        }
    }

    private string DecodeWithEscapes(ReadOnlySpan<byte> bytes)
    {
        var sb = new StringBuilder(bytes.Length);
        Encoding current = _initial;
        int segmentStart = 0;
        int i = 0;
        while (i < bytes.Length)
        {
            if (bytes[i] != 0x1B)
            {
                i++;
                continue;
            }
            Flush(sb, bytes[segmentStart..i], current);
            var (length, next, nextIsJis) = Escape(bytes[i..]);
            if (length == 0)
            {
                // Unknown escape: keep the ESC byte as text and go on, as DCMTK does.
                segmentStart = i;
                i++;
                continue;
            }
            if (nextIsJis)
            {
                // ISO-2022-JP decodes its own escapes, so the escape stays with the segment.
                segmentStart = i;
                i += length;
            }
            else
            {
                i += length;
                segmentStart = i;
            }
            current = next ?? current;
        }
        Flush(sb, bytes[segmentStart..], current);
        return sb.ToString();
    }

    private static void Flush(StringBuilder sb, ReadOnlySpan<byte> segment, Encoding encoding)
    {
        // Each segment is decoded on its own, so a stateful decoder (ISO-2022-JP) starts fresh at every escape.
        if (!segment.IsEmpty) sb.Append(encoding.GetString(segment));
    }

    private static (int Length, Encoding? Encoding, bool Jis) Escape(ReadOnlySpan<byte> s)
    {
        if (s.Length >= 3 && s[1] == '(' && s[2] == 'B') return (3, s_latin1, false);
        if (s.Length >= 3 && s[1] == '(' && s[2] == 'J') return (3, CodePage(932), false);
        if (s.Length >= 3 && s[1] == ')' && s[2] == 'I') return (3, CodePage(932), false);
        if (s.Length >= 3 && s[1] == '$' && s[2] == 'B') return (3, CodePage(50220), true);
        if (s.Length >= 4 && s[1] == '$' && s[2] == '(' && s[3] == 'D') return (4, CodePage(50220), true);
        if (s.Length >= 4 && s[1] == '$' && s[2] == ')' && s[3] == 'C') return (4, CodePage(949), false);
        if (s.Length >= 4 && s[1] == '$' && s[2] == ')' && s[3] == 'A') return (4, CodePage(936), false);
        if (s.Length >= 3 && s[1] == '-')
        {
            int? cp = s[2] switch
            {
                (byte)'A' => 28591,
                (byte)'B' => 28592,
                (byte)'C' => 28593,
                (byte)'D' => 28594,
                (byte)'L' => 28595,
                (byte)'G' => 28596,
                (byte)'F' => 28597,
                (byte)'H' => 28598,
                (byte)'M' => 28599,
                (byte)'b' => 28605,
                (byte)'T' => 874,
                _ => null,
            };
            if (cp is not null) return (3, cp == 28591 ? s_latin1 : CodePage(cp.Value), false);
        }
        return (0, null, false);
    }

    /// <summary>The terms joined by backslashes, or <c>default</c>.</summary>
    /// <returns>The text.</returns>
    public override string ToString() => Terms.Count == 0 ? "default" : string.Join('\\', Terms);
}
