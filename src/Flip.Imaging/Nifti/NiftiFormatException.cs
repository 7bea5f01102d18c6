namespace Flip.Imaging.Nifti;

/// <summary>A NIfTI-1 file that does not follow the format: says the file, the byte offset and the header field.</summary>
public sealed class NiftiFormatException : FlipException
{
    private NiftiFormatException(string message, string? file, long offset, string? headerField, Exception? inner = null)
        : base(message, ExitCodes.BadInput, null, inner)
    {
        File = file;
        Offset = offset;
        HeaderField = headerField;
    }

    /// <summary>The file, when known.</summary>
    public string? File { get; }

    /// <summary>Byte offset of the problem (in the uncompressed stream for .nii.gz), or -1.</summary>
    public long Offset { get; }

    /// <summary>The NIfTI-1 header field at fault, such as <c>dim</c> or <c>datatype</c>.</summary>
    public string? HeaderField { get; }

    private static string Name(string? file) => file is null ? "<stream>" : Path.GetFileName(file);

    /// <summary>Fewer than 348 header bytes.</summary>
    /// <param name="file">The file.</param>
    /// <param name="length">Bytes found.</param>
    /// <returns>The exception.</returns>
    public static NiftiFormatException TooShort(string? file, long length) => new(
        $"{Name(file)}: {length} bytes; expected a NIfTI-1 header of 348 bytes (file truncated, or not NIfTI?).", file, 0, "sizeof_hdr");

    /// <summary>sizeof_hdr is not 348 in either byte order.</summary>
    /// <param name="file">The file.</param>
    /// <param name="value">The value read (little endian).</param>
    /// <returns>The exception.</returns>
    public static NiftiFormatException NotNifti1(string? file, int value) => new(
        $"{Name(file)}: at byte 0x00000000, header field sizeof_hdr is {value}; expected 348 (NIfTI-1; NIfTI-2 has 540 and is not supported).", file, 0, "sizeof_hdr");

    /// <summary>The magic string is not n+1 or ni1.</summary>
    /// <param name="file">The file.</param>
    /// <param name="found">The magic found.</param>
    /// <returns>The exception.</returns>
    public static NiftiFormatException BadMagic(string? file, string found) => new(
        $"{Name(file)}: at byte 0x00000158, header field magic is '{found}'; expected 'n+1' (single file) or 'ni1' (header/image pair).", file, 344, "magic");

    /// <summary>A header field holds an unusable value.</summary>
    /// <param name="file">The file.</param>
    /// <param name="offset">The field's offset.</param>
    /// <param name="field">The field.</param>
    /// <param name="found">The value.</param>
    /// <param name="expected">What was expected.</param>
    /// <returns>The exception.</returns>
    public static NiftiFormatException BadField(string? file, long offset, string field, string found, string expected) => new(
        $"{Name(file)}: at byte 0x{offset:X8}, header field {field} is {found}; expected {expected}.", file, offset, field);

    /// <summary>The voxel data ends before the dimensions say it should.</summary>
    /// <param name="file">The file.</param>
    /// <param name="offset">vox_offset.</param>
    /// <param name="needed">Bytes needed.</param>
    /// <param name="available">Bytes there.</param>
    /// <returns>The exception.</returns>
    public static NiftiFormatException DataTruncated(string? file, long offset, long needed, long available) => new(
        $"{Name(file)}: at byte 0x{offset:X8}, voxel data needs {needed:N0} bytes but {available:N0} remain; expected dim × bitpix / 8 bytes after vox_offset (file truncated?).", file, offset, "dim");

    /// <summary>The gzip stream is corrupt.</summary>
    /// <param name="file">The file.</param>
    /// <param name="inner">The decompressor's error.</param>
    /// <returns>The exception.</returns>
    public static NiftiFormatException CorruptGzip(string? file, Exception inner) => new(
        $"{Name(file)}: the gzip stream is corrupt ({inner?.Message}); expected a gzip-compressed NIfTI-1 file.", file, -1, null, inner);
}
