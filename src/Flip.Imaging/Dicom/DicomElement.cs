namespace Flip.Imaging.Dicom;

/// <summary>One data element: tag, VR and value, with the byte offset it was read from.</summary>
/// <remarks>
/// PS3.5 §7.1. The value is a slice of the bytes the file was read into, so reading an element
/// copies nothing; text is decoded only when asked for. A sequence (SQ) has <see cref="Items"/>;
/// encapsulated pixel data has <see cref="Fragments"/>. Values are always little endian in
/// memory: the reader swaps big endian files once.
/// </remarks>
public sealed class DicomElement
{
    private static readonly IReadOnlyList<DicomDataset> s_noItems = [];

    /// <summary>Creates an element with a raw little-endian value.</summary>
    /// <param name="tag">The tag.</param>
    /// <param name="vr">The VR.</param>
    /// <param name="value">The raw value, little endian for binary VRs.</param>
    public DicomElement(DicomTag tag, DicomVR vr, ReadOnlyMemory<byte> value)
        : this(tag, vr, value, -1, null, null)
    {
    }

    /// <summary>Creates a sequence element.</summary>
    /// <param name="tag">The tag.</param>
    /// <param name="items">The items.</param>
    public DicomElement(DicomTag tag, IEnumerable<DicomDataset> items)
        : this(tag, DicomVR.SQ, ReadOnlyMemory<byte>.Empty, -1, items?.ToList() ?? throw new ArgumentNullException(nameof(items)), null)
    {
    }

    /// <summary>Creates an encapsulated pixel data element.</summary>
    /// <param name="tag">The tag, normally (7FE0,0010).</param>
    /// <param name="vr">OB (or OW).</param>
    /// <param name="fragments">The offset table and fragments.</param>
    public DicomElement(DicomTag tag, DicomVR vr, DicomFragments fragments)
        : this(tag, vr, ReadOnlyMemory<byte>.Empty, -1, null, fragments ?? throw new ArgumentNullException(nameof(fragments)))
    {
    }

    internal DicomElement(DicomTag tag, DicomVR vr, ReadOnlyMemory<byte> value, long offset, IReadOnlyList<DicomDataset>? items, DicomFragments? fragments)
    {
        Tag = tag;
        VR = vr;
        _value = value;
        Length = value.Length;
        Offset = offset;
        Items = items ?? s_noItems;
        Fragments = fragments;
    }

    /// <summary>An element whose value stays in the file until first used (pixel data of a file read from disk).</summary>
    internal DicomElement(DicomTag tag, DicomVR vr, long offset, long length, string path, long valueOffset, Func<ReadOnlyMemory<byte>> load)
    {
        Tag = tag;
        VR = vr;
        Offset = offset;
        Length = length;
        Items = s_noItems;
        _lazy = new Lazy<ReadOnlyMemory<byte>>(load, LazyThreadSafetyMode.ExecutionAndPublication);
        _path = path;
        _valueOffset = valueOffset;
    }

    private readonly ReadOnlyMemory<byte> _value;
    private readonly Lazy<ReadOnlyMemory<byte>>? _lazy;
    private readonly string? _path;
    private readonly long _valueOffset;

    /// <summary>
    /// Reads part of a value still in the file into a caller's buffer, without keeping it: pixel decoding reads a
    /// frame this way into a pooled buffer instead of allocating (and caching) the whole value.
    /// </summary>
    /// <param name="start">The first byte within the value.</param>
    /// <param name="destination">Filled completely.</param>
    /// <returns>False when the value is not pending in a file (use <see cref="RawValue"/>).</returns>
    /// <exception cref="IOException">The file became shorter or unreadable.</exception>
    internal bool TryReadPending(long start, Span<byte> destination)
    {
        if (_path is null || !IsValuePending) return false;
        if (start < 0 || start + destination.Length > Length) throw new ArgumentOutOfRangeException(nameof(start));
        using var handle = File.OpenHandle(_path);
        int done = 0;
        while (done < destination.Length)
        {
            int n = RandomAccess.Read(handle, destination[done..], _valueOffset + start + done);
            if (n == 0) throw new EndOfStreamException($"{Path.GetFileName(_path)}: the file became shorter after it was opened; expected {Length:N0} bytes of Pixel Data at byte 0x{_valueOffset:X8}.");
            done += n;
        }
        return true;
    }

    /// <summary>The tag.</summary>
    public DicomTag Tag { get; }

    /// <summary>The VR, as read (explicit syntax) or from the dictionary (implicit syntax).</summary>
    public DicomVR VR { get; }

    /// <summary>The raw value bytes, little endian for binary VRs; empty for sequences and encapsulated data.</summary>
    /// <remarks>Pixel Data of a file opened from disk is read from the file on first use.</remarks>
    /// <exception cref="IOException">A value left in the file can no longer be read.</exception>
    public ReadOnlyMemory<byte> RawValue => _lazy is null ? _value : _lazy.Value;

    /// <summary>The value length in bytes, known without reading a value left in the file.</summary>
    public long Length { get; }

    /// <summary>True when the value has not been read from the file yet.</summary>
    public bool IsValuePending => _lazy is { IsValueCreated: false };

    /// <summary>The byte offset of the element's tag in the file (in the inflated data for deflated files), or -1 when made in memory.</summary>
    public long Offset { get; }

    /// <summary>The items of a sequence; empty for other elements.</summary>
    public IReadOnlyList<DicomDataset> Items { get; }

    /// <summary>The fragments of encapsulated pixel data, or <see langword="null"/>.</summary>
    public DicomFragments? Fragments { get; }

    /// <summary>True for a sequence (SQ).</summary>
    public bool IsSequence => VR == DicomVR.SQ;

    /// <summary>The element's tag, keyword, VR and value length.</summary>
    /// <returns>The text.</returns>
    public override string ToString() => $"{Tag} {Tag.Keyword} {VR} {(IsSequence ? $"{Items.Count} items" : $"{Length} bytes")}";
}
