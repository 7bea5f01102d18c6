namespace Flip.Imaging.MetaImage;

/// <summary>A MetaImage (.mha/.mhd) file that does not follow the format: says the file, the header key and what was expected.</summary>
public sealed class MetaImageFormatException : FlipException
{
    private MetaImageFormatException(string message, string? file, string? key, Exception? inner = null)
        : base(message, ExitCodes.BadInput, null, inner)
    {
        File = file;
        Key = key;
    }

    /// <summary>The file, when known.</summary>
    public string? File { get; }

    /// <summary>The header key at fault, such as <c>DimSize</c>.</summary>
    public string? Key { get; }

    private static string Name(string? file) => file is null ? "<stream>" : Path.GetFileName(file);

    /// <summary>A required key is missing.</summary>
    /// <param name="file">The file.</param>
    /// <param name="key">The key.</param>
    /// <returns>The exception.</returns>
    public static MetaImageFormatException MissingKey(string? file, string key) => new(
        $"{Name(file)}: header has no {key}; expected it in every MetaImage header.", file, key);

    /// <summary>A key holds an unusable value.</summary>
    /// <param name="file">The file.</param>
    /// <param name="key">The key.</param>
    /// <param name="found">The value.</param>
    /// <param name="expected">What was expected.</param>
    /// <returns>The exception.</returns>
    public static MetaImageFormatException BadValue(string? file, string key, string found, string expected) => new(
        $"{Name(file)}: header {key} = {found}; expected {expected}.", file, key);

    /// <summary>The header never reaches ElementDataFile.</summary>
    /// <param name="file">The file.</param>
    /// <returns>The exception.</returns>
    public static MetaImageFormatException UnterminatedHeader(string? file) => new(
        $"{Name(file)}: the header has no ElementDataFile line; expected it as the last header line (file truncated, or not MetaImage?).", file, "ElementDataFile");

    /// <summary>The separate data file named by ElementDataFile is missing or unreadable.</summary>
    /// <param name="file">The header file.</param>
    /// <param name="dataFile">The data file it names.</param>
    /// <param name="inner">The file system's error.</param>
    /// <returns>The exception.</returns>
    public static MetaImageFormatException MissingDataFile(string? file, string dataFile, Exception inner) => new(
        $"{Name(file)}: header ElementDataFile = {dataFile}, but that file cannot be read beside the header; expected LOCAL or a readable .raw/.zraw file.", file, "ElementDataFile", inner);

    /// <summary>Voxel data is shorter than the header says.</summary>
    /// <param name="file">The file.</param>
    /// <param name="needed">Bytes needed.</param>
    /// <param name="available">Bytes found.</param>
    /// <returns>The exception.</returns>
    public static MetaImageFormatException DataTruncated(string? file, long needed, long available) => new(
        $"{Name(file)}: voxel data has {available:N0} bytes; expected {needed:N0} from DimSize and ElementType (file truncated?).", file, "DimSize");

    /// <summary>The zlib stream is corrupt.</summary>
    /// <param name="file">The file.</param>
    /// <param name="inner">The decompressor's error.</param>
    /// <returns>The exception.</returns>
    public static MetaImageFormatException CorruptCompression(string? file, Exception inner) => new(
        $"{Name(file)}: CompressedData = True but the zlib stream is corrupt ({inner?.Message}); expected zlib data after the header.", file, "CompressedData", inner);
}
