using System.IO.Compression;

namespace Flip.Imaging.Dicom;

/// <summary>A DICOM Part 10 file (or a bare dataset): file meta information, the dataset and its transfer syntax.</summary>
/// <remarks>
/// Reading is layered as pydicom's is (STYLE.md §3): 128-byte preamble and <c>DICM</c> → the file
/// meta group 0002, always explicit VR little endian (PS3.10 §7.1) → the element reader, in the
/// transfer syntax the meta group names → <see cref="DicomDataset"/>. <see cref="Open"/> reads the
/// first 16 KiB (then 64 KiB); when that holds the whole header and Pixel Data is the file's last element, the
/// pixel bytes stay on disk until first used (<see cref="DicomReadOptions.LazyPixelData"/>), otherwise
/// the whole file is read once. Element values are slices of the bytes read, never copies, and
/// pixel data is decoded only when asked for.
/// </remarks>
public sealed class DicomFile
{
    private static ReadOnlySpan<byte> Magic => "DICM"u8;

    /// <summary>Creates a file from a dataset, for writing.</summary>
    /// <param name="dataset">The dataset.</param>
    /// <param name="transferSyntax">The transfer syntax to write it in.</param>
    public DicomFile(DicomDataset dataset, TransferSyntax? transferSyntax = null)
        : this(new DicomDataset(), dataset, transferSyntax ?? TransferSyntax.ExplicitVrLittleEndian, null, true)
    {
    }

    private DicomFile(DicomDataset meta, DicomDataset dataset, TransferSyntax transferSyntax, string? path, bool hasPreamble)
    {
        FileMetaInformation = meta;
        Dataset = dataset ?? throw new ArgumentNullException(nameof(dataset));
        TransferSyntax = transferSyntax;
        Path = path;
        HasPreamble = hasPreamble;
    }

    /// <summary>The file meta information (group 0002); empty for a bare dataset.</summary>
    public DicomDataset FileMetaInformation { get; }

    /// <summary>The dataset.</summary>
    public DicomDataset Dataset { get; }

    /// <summary>The transfer syntax the dataset was (or will be) encoded in.</summary>
    public TransferSyntax TransferSyntax { get; }

    /// <summary>The path it was read from, or <see langword="null"/>.</summary>
    public string? Path { get; }

    /// <summary>True when the file had a preamble and <c>DICM</c>; false for a bare dataset.</summary>
    public bool HasPreamble { get; }

    /// <summary>True when reading stopped early because of <see cref="DicomReadOptions.StopWhen"/>.</summary>
    public bool IsPartial { get; private init; }

    /// <summary>Saves the dataset as a Part 10 file, atomically (see <see cref="DicomWriter"/>).</summary>
    /// <param name="path">Where to write.</param>
    /// <param name="syntax">Explicit VR Little Endian when null and the pixel data is not compressed; else the file's own syntax.</param>
    /// <exception cref="ArgumentException">The syntax is not writable.</exception>
    public void Save(string path, TransferSyntax? syntax = null)
    {
        syntax ??= TransferSyntax.IsEncapsulated ? TransferSyntax : TransferSyntax.ExplicitVrLittleEndian;
        DicomWriter.Save(Dataset, path, syntax);
    }

    /// <summary>Reads a file.</summary>
    /// <param name="path">The file.</param>
    /// <param name="options">Strictness and where to stop; <see cref="DicomReadOptions.Default"/> when null.</param>
    /// <returns>The file.</returns>
    /// <exception cref="DicomFormatException">The file is not valid DICOM; the message names the offset and tag.</exception>
    /// <exception cref="IOException">The file cannot be read.</exception>
    public static DicomFile Open(string path, DicomReadOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(path);
        options ??= DicomReadOptions.Default;
        // Read the first 16 KiB, then 64 KiB: headers nearly always fit, and Pixel Data, when it is the last
        // element, stays in the file until used. Anything else costs a full read. (16 KiB first: a series
        // read allocates and copies a quarter of what 64 KiB costs per file.)
        if (!options.LazyPixelData && options.StopWhen is null) return Parse(File.ReadAllBytes(path), path, options);
        using (var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1, FileOptions.SequentialScan))
        {
            long length = stream.Length;
            byte[] prefix = [];
            foreach (int prefixLength in (ReadOnlySpan<int>)[16 * 1024, 64 * 1024])
            {
                if (length <= prefixLength) break;
                int had = prefix.Length;
                Array.Resize(ref prefix, prefixLength);
                stream.ReadExactly(prefix, had, prefixLength - had);
                try
                {
                    var file = Parse(prefix, path, options, (path, length));
                    if (file is not null) return file;
                }
                catch (DicomFormatException e) when (e.IsNotDicom)
                {
                    // Not DICOM at all: say so without reading the rest of a possibly huge file.
                    throw DicomFormatException.NotDicom(path, length);
                }
                catch (DicomFormatException)
                {
                    // The prefix ended inside an element; the full read below decides whether the file is at fault.
                }
            }
        }
        return Parse(File.ReadAllBytes(path), path, options);
    }

    /// <summary>Parses the bytes of a file or a bare dataset.</summary>
    /// <param name="bytes">The bytes; the dataset keeps slices of them, so do not change them afterwards.</param>
    /// <param name="sourceName">The name to use in messages, or <see langword="null"/>.</param>
    /// <param name="options">Strictness and where to stop.</param>
    /// <returns>The file.</returns>
    /// <exception cref="DicomFormatException">The bytes are not valid DICOM.</exception>
    public static DicomFile Parse(ReadOnlyMemory<byte> bytes, string? sourceName = null, DicomReadOptions? options = null) =>
        Parse(bytes, sourceName, options ?? DicomReadOptions.Default, null)!;

    /// <summary>Parses; with <paramref name="prefixOf"/> the bytes are only the start of that file, and null means "read it all".</summary>
    private static DicomFile? Parse(ReadOnlyMemory<byte> bytes, string? sourceName, DicomReadOptions options, (string Path, long Length)? prefixOf)
    {
        var span = bytes.Span;
        int pos;
        bool preamble = false;
        if (span.Length >= 132 && span.Slice(128, 4).SequenceEqual(Magic))
        {
            pos = 132;
            preamble = true;
        }
        else if (span.Length >= 8 && span[0] == 0x02 && span[1] == 0x00 && DicomVRInfo.FromBytes(span[4], span[5]) != DicomVR.None)
        {
            pos = 0; // file meta without preamble, as some writers produce
        }
        else
        {
            return ParseBare(bytes, sourceName, options, prefixOf);
        }

        var meta = new DicomDataset(sourceName, null, 8);
        var metaParser = new DicomParser(bytes, sourceName, true, TransferSyntax.ExplicitVrLittleEndian.Uid, options);
        pos = metaParser.ParseDataset(meta, pos, bytes.Length, explicitVr: true, 0, false,
            static tag => tag.Group != 0x0002, DicomTag.FileMetaInformationGroupLength, pos);
        if (!meta.TryGetString(DicomTag.TransferSyntaxUid, out var tsUid) || tsUid.Length == 0)
            throw DicomFormatException.MissingFileMeta(sourceName, DicomTag.TransferSyntaxUid);
        var ts = TransferSyntax.FromUid(tsUid);
        if (prefixOf is not null && ts.IsDeflated) return null;
        var body = ParseBody(bytes, pos, sourceName, ts, options, prefixOf);
        return body is var (dataset, partial) ? new DicomFile(meta, dataset, ts, sourceName, preamble) { IsPartial = partial } : null;
    }

    private static DicomFile? ParseBare(ReadOnlyMemory<byte> bytes, string? sourceName, DicomReadOptions options, (string Path, long Length)? prefixOf)
    {
        var span = bytes.Span;
        if (span.Length < 8) throw DicomFormatException.NotDicom(sourceName, span.Length);
        int groupLe = span[0] | span[1] << 8;
        int groupBe = span[0] << 8 | span[1];
        bool explicitVr = DicomVRInfo.FromBytes(span[4], span[5]) != DicomVR.None;
        TransferSyntax ts;
        if (groupLe is >= 0x0002 and <= 0x0010 && (groupLe & 1) == 0)
            ts = explicitVr ? TransferSyntax.ExplicitVrLittleEndian : TransferSyntax.ImplicitVrLittleEndian;
        else if (groupBe is >= 0x0002 and <= 0x0010 && (groupBe & 1) == 0 && explicitVr)
            ts = TransferSyntax.ExplicitVrBigEndian;
        else
            throw DicomFormatException.NotDicom(prefixOf?.Path ?? sourceName, prefixOf?.Length ?? span.Length);
        var body = ParseBody(bytes, 0, sourceName, ts, options, prefixOf);
        return body is var (dataset, partial) ? new DicomFile(new DicomDataset(sourceName, null, 0), dataset, ts, sourceName, false) { IsPartial = partial } : null;
    }

    /// <returns>The dataset, or null when parsing a prefix that turned out too short.</returns>
    private static (DicomDataset Dataset, bool Partial)? ParseBody(ReadOnlyMemory<byte> bytes, int pos, string? sourceName, TransferSyntax ts, DicomReadOptions options, (string Path, long Length)? prefixOf)
    {
        string? name = sourceName;
        if (ts.IsDeflated)
        {
            bytes = Inflate(bytes[pos..], sourceName, pos, options.MaxInflatedBytes);
            pos = 0;
            // Offsets in messages then count in the inflated dataset, and the name says so.
            name = sourceName is null ? "<bytes> (inflated dataset)" : sourceName + " (inflated dataset)";
        }
        var dataset = new DicomDataset(sourceName, null, 64);
        var parser = new DicomParser(bytes, name, ts.IsLittleEndian, ts.Uid, options) { LazyTail = prefixOf };
        bool explicitVr = ts.IsExplicitVr;
        if (options.DetectVrEncoding && ts.IsLittleEndian && bytes.Length - pos >= 8)
        {
            // The first element shows the truth: two letters of a VR at bytes 4–5 mean explicit VR.
            var span = bytes.Span;
            explicitVr = DicomVRInfo.FromBytes(span[pos + 4], span[pos + 5]) != DicomVR.None;
        }
        parser.ParseDataset(dataset, pos, bytes.Length, explicitVr, 0, false, options.StopWhen, DicomTag.Item, pos);
        bool partial = parser.StoppedAt >= 0;
        // A prefix parse counts only when it stopped on purpose or reached the end of the file through lazy Pixel Data.
        if (prefixOf is not null && !partial && !parser.LeftPixelDataInFile) return null;
        return (dataset, partial);
    }

    private static byte[] Inflate(ReadOnlyMemory<byte> deflated, string? sourceName, int offset, long cap)
    {
        try
        {
            using var input = new MemoryStream(deflated.ToArray(), writable: false);
            using var inflater = new DeflateStream(input, CompressionMode.Decompress);
            using var output = new MemoryStream();
            var buffer = new byte[81920];
            int n;
            while ((n = inflater.Read(buffer, 0, buffer.Length)) > 0)
            {
                if (output.Length + n > cap) throw DicomFormatException.DeflateTooLarge(sourceName, offset, cap);
                output.Write(buffer, 0, n);
            }
            return output.ToArray();
        }
        catch (InvalidDataException e)
        {
            throw DicomFormatException.CorruptDeflate(sourceName, offset, e);
        }
    }
}
