using System.Globalization;

namespace Flip.Imaging.Dicom;

/// <summary>A DICOM file or value that does not follow the standard: says the file, the byte offset, the tag and what was expected.</summary>
/// <remarks>Built only through the static factories, one per failure case, so each message is written once (STYLE.md §4).</remarks>
public sealed class DicomFormatException : FlipException
{
    private DicomFormatException(string message, string? file, long offset, DicomTag? tag, string? transferSyntaxUid, string? fix = null, Exception? inner = null, int exitCode = ExitCodes.BadInput)
        : base(message, exitCode, fix, inner)
    {
        File = file;
        Offset = offset;
        Tag = tag;
        TransferSyntaxUid = transferSyntaxUid;
    }

    /// <summary>The file (or source name), or <see langword="null"/> when parsing bytes without a name.</summary>
    public string? File { get; }

    /// <summary>The byte offset of the problem from the start of the file, or -1 when the problem has no single place.</summary>
    public long Offset { get; }

    /// <summary>The tag of the element at fault, when there is one.</summary>
    public DicomTag? Tag { get; }

    /// <summary>The transfer syntax UID in force, when known.</summary>
    public string? TransferSyntaxUid { get; }

    /// <summary>True when the input is not DICOM at all (rather than malformed DICOM).</summary>
    internal bool IsNotDicom { get; private init; }

    private static string Where(string? file, long offset) =>
        offset >= 0 ? $"{Name(file)}: at byte 0x{offset:X8}" : $"{Name(file)}:";

    private static string Name(string? file) => file is null ? "<bytes>" : Path.GetFileName(file);

    internal static string Describe(DicomTag tag, DicomVR vr) =>
        vr == DicomVR.None ? $"element {tag} {tag.Keyword}" : $"element {tag} {tag.Keyword} ({vr})";

    private static string N(long value) => value.ToString("N0", CultureInfo.InvariantCulture);

    /// <summary>The input is neither a Part 10 file (no <c>DICM</c> at byte 128) nor a bare dataset whose syntax can be recognised.</summary>
    /// <param name="file">The file.</param>
    /// <param name="length">Its length in bytes.</param>
    /// <returns>The exception.</returns>
    public static DicomFormatException NotDicom(string? file, long length) => new(
        $"{Name(file)}: not a DICOM file ({N(length)} bytes); expected 'DICM' at byte 0x00000080 or a dataset starting with a group 0002 or 0008 element.",
        file, length < 132 ? 0 : 128, null, null, "check that the file is DICOM; 'dcmdump' can confirm.") { IsNotDicom = true };

    /// <summary>An element header runs past the end of the data.</summary>
    /// <param name="file">The file.</param>
    /// <param name="offset">Where the header starts.</param>
    /// <param name="needed">Bytes the header needs.</param>
    /// <param name="remaining">Bytes left.</param>
    /// <param name="ts">The transfer syntax UID.</param>
    /// <returns>The exception.</returns>
    public static DicomFormatException TruncatedHeader(string? file, long offset, int needed, long remaining, string? ts) => new(
        $"{Where(file, offset)}: element header needs {needed} bytes but only {N(remaining)} remain; expected a complete element (file truncated?).",
        file, offset, null, ts);

    /// <summary>A value length points past the end of the enclosing data.</summary>
    /// <param name="file">The file.</param>
    /// <param name="offset">Where the element starts.</param>
    /// <param name="tag">The element.</param>
    /// <param name="vr">Its VR.</param>
    /// <param name="declared">The declared length.</param>
    /// <param name="remaining">Bytes left in the file, item or sequence.</param>
    /// <param name="ts">The transfer syntax UID.</param>
    /// <returns>The exception.</returns>
    public static DicomFormatException LengthExceedsFile(string? file, long offset, DicomTag tag, DicomVR vr, long declared, long remaining, string? ts) => new(
        $"{Where(file, offset)}, {Describe(tag, vr)}: value length {N(declared)} exceeds the {N(remaining)} bytes left; expected an even length ≤ {N(remaining)} (file truncated?).",
        file, offset, tag, ts);

    /// <summary>A value has an odd length (PS3.5 §7.1.1 requires even lengths).</summary>
    /// <param name="file">The file.</param>
    /// <param name="offset">Where the element starts.</param>
    /// <param name="tag">The element.</param>
    /// <param name="vr">Its VR.</param>
    /// <param name="declared">The declared length.</param>
    /// <param name="ts">The transfer syntax UID.</param>
    /// <returns>The exception.</returns>
    public static DicomFormatException OddLength(string? file, long offset, DicomTag tag, DicomVR vr, long declared, string? ts) => new(
        $"{Where(file, offset)}, {Describe(tag, vr)}: odd value length {N(declared)}; expected an even length (PS3.5 §7.1.1).",
        file, offset, tag, ts, "read with DicomReadOptions.AllowOddLengths = true to accept it.");

    /// <summary>Explicit VR bytes that are not a VR.</summary>
    /// <param name="file">The file.</param>
    /// <param name="offset">Where the element starts.</param>
    /// <param name="tag">The element.</param>
    /// <param name="b0">First VR byte.</param>
    /// <param name="b1">Second VR byte.</param>
    /// <param name="ts">The transfer syntax UID.</param>
    /// <returns>The exception.</returns>
    public static DicomFormatException InvalidVR(string? file, long offset, DicomTag tag, byte b0, byte b1, string? ts) => new(
        $"{Where(file, offset)}, {Describe(tag, DicomVR.None)}: VR bytes 0x{b0:X2} 0x{b1:X2} are not a value representation; expected two letters such as 'US' or 'SQ' (explicit VR syntax).",
        file, offset, tag, ts);

    /// <summary>Undefined length on an element that cannot have it (PS3.5 §7.1.2–7.1.3).</summary>
    /// <param name="file">The file.</param>
    /// <param name="offset">Where the element starts.</param>
    /// <param name="tag">The element.</param>
    /// <param name="vr">Its VR.</param>
    /// <param name="ts">The transfer syntax UID.</param>
    /// <returns>The exception.</returns>
    public static DicomFormatException UndefinedLengthNotAllowed(string? file, long offset, DicomTag tag, DicomVR vr, string? ts) => new(
        $"{Where(file, offset)}, {Describe(tag, vr)}: undefined length (0xFFFFFFFF); expected a defined length (only SQ, UN and encapsulated Pixel Data may be undefined).",
        file, offset, tag, ts);

    /// <summary>Sequences nested deeper than the reader's cap.</summary>
    /// <param name="file">The file.</param>
    /// <param name="offset">Where the element starts.</param>
    /// <param name="tag">The sequence.</param>
    /// <param name="maxDepth">The cap.</param>
    /// <param name="ts">The transfer syntax UID.</param>
    /// <returns>The exception.</returns>
    public static DicomFormatException NestingTooDeep(string? file, long offset, DicomTag tag, int maxDepth, string? ts) => new(
        $"{Where(file, offset)}, {Describe(tag, DicomVR.SQ)}: sequences nested deeper than {maxDepth} levels; expected at most {maxDepth}.",
        file, offset, tag, ts, "raise DicomReadOptions.MaxSequenceDepth if the file is genuine.");

    /// <summary>Something other than an item inside a sequence or encapsulated pixel data.</summary>
    /// <param name="file">The file.</param>
    /// <param name="offset">Where the unexpected tag is.</param>
    /// <param name="sequence">The enclosing sequence.</param>
    /// <param name="found">The tag found.</param>
    /// <param name="ts">The transfer syntax UID.</param>
    /// <returns>The exception.</returns>
    public static DicomFormatException ItemExpected(string? file, long offset, DicomTag sequence, DicomTag found, string? ts) => new(
        $"{Where(file, offset)}, in {Describe(sequence, DicomVR.None)}: found tag {found}; expected an item (FFFE,E000) or a sequence delimiter (FFFE,E0DD).",
        file, offset, sequence, ts);

    /// <summary>A delimiter where none belongs.</summary>
    /// <param name="file">The file.</param>
    /// <param name="offset">Where the delimiter is.</param>
    /// <param name="found">The delimiter tag.</param>
    /// <param name="ts">The transfer syntax UID.</param>
    /// <returns>The exception.</returns>
    public static DicomFormatException UnexpectedDelimiter(string? file, long offset, DicomTag found, string? ts) => new(
        $"{Where(file, offset)}: found {found} {found.Keyword} outside the sequence or item it should close; expected a data element.",
        file, offset, found, ts);

    /// <summary>An undefined-length item or sequence reaches the end without its delimiter.</summary>
    /// <param name="file">The file.</param>
    /// <param name="offset">Where the sequence or item starts.</param>
    /// <param name="tag">The sequence.</param>
    /// <param name="ts">The transfer syntax UID.</param>
    /// <returns>The exception.</returns>
    public static DicomFormatException MissingDelimiter(string? file, long offset, DicomTag tag, string? ts) => new(
        $"{Where(file, offset)}, {Describe(tag, DicomVR.None)}: undefined-length sequence or item reaches the end of its data; expected a delimitation item (FFFE,E00D or FFFE,E0DD) (file truncated?).",
        file, offset, tag, ts);

    /// <summary>The file meta group lacks an attribute the reader needs.</summary>
    /// <param name="file">The file.</param>
    /// <param name="tag">The missing attribute.</param>
    /// <returns>The exception.</returns>
    public static DicomFormatException MissingFileMeta(string? file, DicomTag tag) => new(
        $"{Name(file)}: the file meta information (group 0002) has no {tag} {tag.Keyword}; expected it in every Part 10 file (PS3.10 §7.1).",
        file, 132, tag, null);

    /// <summary>A required attribute is absent from a dataset.</summary>
    /// <param name="file">The file.</param>
    /// <param name="tag">The missing attribute.</param>
    /// <returns>The exception.</returns>
    public static DicomFormatException MissingAttribute(string? file, DicomTag tag) => new(
        $"{Name(file)}: attribute {tag} {tag.Keyword} is missing; expected it to be present.",
        file, -1, tag, null);

    /// <summary>An attribute's value cannot be read as the type asked for.</summary>
    /// <param name="file">The file.</param>
    /// <param name="offset">Where the element starts.</param>
    /// <param name="tag">The attribute.</param>
    /// <param name="vr">Its VR.</param>
    /// <param name="found">What was found (already safe to show locally).</param>
    /// <param name="expected">What was expected.</param>
    /// <returns>The exception.</returns>
    public static DicomFormatException InvalidValue(string? file, long offset, DicomTag tag, DicomVR vr, string found, string expected) => new(
        $"{Where(file, offset)}, {Describe(tag, vr)}: value '{found}'; expected {expected}.",
        file, offset, tag, null);

    /// <summary>The pixel data is compressed with a syntax this library does not decode.</summary>
    /// <param name="file">The file.</param>
    /// <param name="syntax">The transfer syntax.</param>
    /// <returns>The exception.</returns>
    public static DicomFormatException UnsupportedCompression(string? file, TransferSyntax syntax)
    {
        ArgumentNullException.ThrowIfNull(syntax);
        return new(
            $"{Name(file)}: pixel data is compressed as {syntax.Name} ({syntax.Uid}), which this reader does not decode; expected native, RLE Lossless, JPEG Lossless (Process 14), JPEG baseline/extended, JPEG-LS or JPEG 2000.",
            file, -1, DicomTag.PixelData, syntax.Uid,
            $"convert the file to an uncompressed syntax first: 'dcmdjpeg {Name(file)} out.dcm' (JPEG), 'dcmdjpls' (JPEG-LS) or 'gdcmconv --raw {Name(file)} out.dcm'.");
    }

    /// <summary>The pixel data needs a native codec library that cannot be loaded; the exit code is <see cref="ExitCodes.Environment"/>.</summary>
    /// <param name="file">The file.</param>
    /// <param name="syntax">The transfer syntax.</param>
    /// <param name="library">The shared object, such as libopenjp2.so.7.</param>
    /// <param name="package">The Debian package that installs it.</param>
    /// <param name="inner">The loader's error.</param>
    /// <returns>The exception.</returns>
    public static DicomFormatException CodecLibraryMissing(string? file, TransferSyntax syntax, string library, string package, Exception inner)
    {
        ArgumentNullException.ThrowIfNull(syntax);
        return new(
            $"{Name(file)}: pixel data is compressed as {syntax.Name} ({syntax.Uid}), and its decoder {library} cannot be loaded; expected it installed (install {package}).",
            file, -1, DicomTag.PixelData, syntax.Uid, $"install {package}: 'apt-get install -y {package}'.", inner, ExitCodes.Environment);
    }

    /// <summary>Pixel data is shorter than rows × columns × samples × bits × frames require, or its attributes are inconsistent.</summary>
    /// <param name="file">The file.</param>
    /// <param name="offset">Where Pixel Data starts.</param>
    /// <param name="detail">What was found and what was expected.</param>
    /// <param name="ts">The transfer syntax UID.</param>
    /// <returns>The exception.</returns>
    public static DicomFormatException BadPixelData(string? file, long offset, string detail, string? ts) => new(
        $"{Where(file, offset)}, element (7FE0,0010) PixelData: {detail}",
        file, offset, DicomTag.PixelData, ts);

    /// <summary>A compressed frame is corrupt, or uses a coding feature this reader does not decode.</summary>
    /// <param name="file">The file.</param>
    /// <param name="frame">The frame index (0-based).</param>
    /// <param name="codec">The codec name.</param>
    /// <param name="detail">What went wrong.</param>
    /// <param name="ts">The transfer syntax UID.</param>
    /// <returns>The exception.</returns>
    public static DicomFormatException CorruptFrame(string? file, int frame, string codec, string detail, string? ts) => new(
        $"{Name(file)}: element (7FE0,0010) PixelData, frame {frame}: cannot decode the {codec} data: {detail}; expected a complete {codec} stream this reader supports.",
        file, -1, DicomTag.PixelData, ts,
        $"if other tools display the image, convert it to native pixel data ('gdcmconv --raw {Name(file)} out.dcm' or 'dcmdjpeg'/'dcmdjpls'/'dcmdrle') and read that.");

    /// <summary>The deflated dataset cannot be inflated.</summary>
    /// <param name="file">The file.</param>
    /// <param name="offset">Where the deflated data starts.</param>
    /// <param name="inner">The decompressor's error.</param>
    /// <returns>The exception.</returns>
    public static DicomFormatException CorruptDeflate(string? file, long offset, Exception inner) => new(
        $"{Where(file, offset)}: the deflated dataset cannot be inflated ({inner?.Message}); expected raw deflate data (PS3.5 §A.5).",
        file, offset, null, TransferSyntax.DeflatedExplicitVrLittleEndian.Uid, null, inner);

    /// <summary>The inflated dataset would exceed the reader's cap.</summary>
    /// <param name="file">The file.</param>
    /// <param name="offset">Where the deflated data starts.</param>
    /// <param name="cap">The cap in bytes.</param>
    /// <returns>The exception.</returns>
    public static DicomFormatException DeflateTooLarge(string? file, long offset, long cap) => new(
        $"{Where(file, offset)}: the deflated dataset inflates to more than {N(cap)} bytes; expected at most {N(cap)} (deflate bomb?).",
        file, offset, null, TransferSyntax.DeflatedExplicitVrLittleEndian.Uid, "raise DicomReadOptions.MaxInflatedBytes if the file is genuine.");
}
