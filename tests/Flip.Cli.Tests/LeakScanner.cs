using System.Buffers;
using System.Globalization;
using System.Runtime.InteropServices;
using System.Text;

namespace Flip.Cli.Tests;

/// <summary>
/// Looks for patient identifiers and raw pixel bytes in arbitrary bytes (log lines, files, captured gRPC traffic).
/// Identifiers are searched case-insensitively in the forms they could take: the DICOM PN with <c>^</c>,
/// "family given", "given family", "family, given"; ids and accession numbers as they are; birth dates as
/// DICOM DA and four common date formats; each in UTF-8 and UTF-16LE. Pixels: every 64-byte window
/// (at a 64-byte stride) of the DICOM Pixel Data values that holds at least 16 distinct byte values, so any
/// copied run of 127 bytes or more contains one.
/// </summary>
internal sealed class LeakScanner
{
    private const int Window = 64;
    private readonly List<Needle> _needles = [];
    private readonly HashSet<string> _identifiers = new(StringComparer.Ordinal);
    private readonly Dictionary<ulong, List<int>> _windowsByPrefix = [];
    private readonly List<byte> _windows = [];
    private SearchValues<string>? _search;
    private byte[]? _windowBytes;

    public sealed record Finding(string Source, string Kind, string What, long Offset);

    private sealed record Needle(string Kind, string Identifier, string Latin1, bool DigitBounded);

    /// <summary>Distinct identifier values (names, ids, dates, accession numbers) searched for.</summary>
    public int IdentifierCount => _identifiers.Count;

    /// <summary>Byte patterns searched for (all forms and encodings).</summary>
    public int PatternCount => _needles.Count;

    /// <summary>Pixel windows searched for.</summary>
    public int PixelWindowCount => _windows.Count / Window;

    /// <summary>Bytes scanned so far.</summary>
    public long BytesScanned { get; private set; }

    public void AddPatient(string personName, string patientId, string birthDateDa, string accessionNumber)
    {
        string[] parts = personName.Split('^');
        string family = parts[0].Trim(), given = parts.Length > 1 ? parts[1].Trim() : string.Empty;
        Add("name", personName, [personName, personName.TrimEnd('^'), $"{family} {given}", $"{given} {family}", $"{family}, {given}", $"{family},{given}"]);
        Add("patient id", patientId, [patientId]);
        if (accessionNumber.Length > 0)
        {
            Add("accession number", accessionNumber, [accessionNumber]);
        }

        DateOnly birth = DateOnly.ParseExact(birthDateDa, "yyyyMMdd", CultureInfo.InvariantCulture);
        Add("birth date", birthDateDa, [.. new[] { "yyyyMMdd", "yyyy-MM-dd", "dd.MM.yyyy", "dd/MM/yyyy", "MM/dd/yyyy", "yyyy/MM/dd" }
            .Select(f => birth.ToString(f, CultureInfo.InvariantCulture))]);
    }

    public void AddPixels(ReadOnlySpan<byte> pixelData)
    {
        for (int i = 0; i + Window <= pixelData.Length; i += Window)
        {
            ReadOnlySpan<byte> w = pixelData.Slice(i, Window);
            if (Distinct(w) < 16)
            {
                continue;
            }

            ulong prefix = MemoryMarshal.Read<ulong>(w);
            if (!_windowsByPrefix.TryGetValue(prefix, out List<int>? at))
            {
                _windowsByPrefix[prefix] = at = [];
            }

            at.Add(_windows.Count);
            _windows.AddRange(w);
        }
    }

    public List<Finding> Scan(string source, byte[] bytes)
    {
        _search ??= SearchValues.Create([.. _needles.Select(n => n.Latin1).Distinct(StringComparer.OrdinalIgnoreCase)], StringComparison.OrdinalIgnoreCase);
        BytesScanned += bytes.Length;
        var findings = new List<Finding>();
        string text = Encoding.Latin1.GetString(bytes);
        int from = 0;
        while (from < text.Length)
        {
            int hit = text.AsSpan(from).IndexOfAny(_search);
            if (hit < 0)
            {
                break;
            }

            int at = from + hit;
            foreach (Needle n in _needles)
            {
                if (text.AsSpan(at).StartsWith(n.Latin1, StringComparison.OrdinalIgnoreCase) && (!n.DigitBounded || Bounded(text, at, n.Latin1.Length)))
                {
                    findings.Add(new Finding(source, n.Kind, n.Identifier, at));
                }
            }

            from = at + 1;
        }

        byte[] windows = _windowBytes ??= [.. _windows];
        for (int i = 0; i + Window <= bytes.Length; i++)
        {
            if (_windowsByPrefix.TryGetValue(MemoryMarshal.Read<ulong>(bytes.AsSpan(i)), out List<int>? candidates)
                && candidates.Any(c => bytes.AsSpan(i, Window).SequenceEqual(windows.AsSpan(c, Window))))
            {
                findings.Add(new Finding(source, "pixel data", "a 64-byte run of DICOM Pixel Data", i));
                i += Window - 1;
            }
        }

        return findings;
    }

    private void Add(string kind, string identifier, string[] forms)
    {
        _identifiers.Add(kind + ":" + identifier);
        foreach (string form in forms.Distinct(StringComparer.OrdinalIgnoreCase))
        {
            bool bounded = char.IsAsciiDigit(form[0]) && char.IsAsciiDigit(form[^1]);
            _needles.Add(new Needle(kind, identifier, Encoding.Latin1.GetString(Encoding.UTF8.GetBytes(form)), bounded));
            _needles.Add(new Needle(kind, identifier, Encoding.Latin1.GetString(Encoding.Unicode.GetBytes(form)), bounded));
        }
    }

    /// <summary>A number-like identifier counts only as a whole token: no digit (or decimal point, as in 0.19571203) right before it, no digit right after.</summary>
    private static bool Bounded(string text, int at, int length)
    {
        bool before = at == 0 || !(char.IsAsciiDigit(text[at - 1]) || text[at - 1] == '.' || (text[at - 1] == '\0' && at >= 2 && char.IsAsciiDigit(text[at - 2])));
        bool after = at + length >= text.Length || !char.IsAsciiDigit(text[at + length]);
        return before && after;
    }

    private static int Distinct(ReadOnlySpan<byte> w)
    {
        Span<bool> seen = stackalloc bool[256];
        int count = 0;
        foreach (byte b in w)
        {
            if (!seen[b])
            {
                seen[b] = true;
                count++;
            }
        }

        return count;
    }
}
