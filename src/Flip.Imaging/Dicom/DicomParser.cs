using System.Buffers.Binary;

namespace Flip.Imaging.Dicom;

/// <summary>
/// The element layer of the reader: walks encoded elements in a byte buffer, checks every length
/// against the bytes left before using it, and builds datasets whose values are slices of the buffer.
/// </summary>
/// <remarks>PS3.5 §7.1 (element encoding), §7.5 (sequences and items), §A.4 (encapsulation).</remarks>
internal sealed class DicomParser
{
    private const uint UndefinedLength = 0xFFFFFFFF;
    private readonly ReadOnlyMemory<byte> _memory;
    private readonly string? _file;
    private readonly bool _littleEndian;
    private readonly string? _ts;
    private readonly DicomReadOptions _options;

    public DicomParser(ReadOnlyMemory<byte> memory, string? file, bool littleEndian, string? transferSyntaxUid, DicomReadOptions options)
    {
        _memory = memory;
        _file = file;
        _littleEndian = littleEndian;
        _ts = transferSyntaxUid;
        _options = options;
    }

    /// <summary>When set, top-level Pixel Data running past the buffer to exactly the end of this file is left in the file.</summary>
    public (string Path, long FileLength)? LazyTail { get; init; }

    /// <summary>True when Pixel Data was left in the file.</summary>
    public bool LeftPixelDataInFile { get; private set; }

    /// <summary>Where the last top-level parse stopped because <see cref="DicomReadOptions.StopWhen"/> matched, or -1.</summary>
    public int StoppedAt { get; private set; } = -1;

    private ushort U16(ReadOnlySpan<byte> s, int at) =>
        _littleEndian ? BinaryPrimitives.ReadUInt16LittleEndian(s[at..]) : BinaryPrimitives.ReadUInt16BigEndian(s[at..]);

    private uint U32(ReadOnlySpan<byte> s, int at) =>
        _littleEndian ? BinaryPrimitives.ReadUInt32LittleEndian(s[at..]) : BinaryPrimitives.ReadUInt32BigEndian(s[at..]);

    /// <summary>Parses elements from <paramref name="pos"/> to <paramref name="end"/> into <paramref name="target"/>.</summary>
    /// <returns>The position after the last element (or after the item delimiter).</returns>
    public int ParseDataset(DicomDataset target, int pos, int end, bool explicitVr, int depth, bool untilItemDelimiter,
        Func<DicomTag, bool>? stopWhen, DicomTag owner, long ownerOffset)
    {
        var span = _memory.Span;
        while (true)
        {
            if (pos >= end)
            {
                if (untilItemDelimiter) throw DicomFormatException.MissingDelimiter(_file, ownerOffset, owner, _ts);
                return pos;
            }
            int start = pos;
            if (end - pos < 8) throw DicomFormatException.TruncatedHeader(_file, pos, 8, end - pos, _ts);
            ushort group = U16(span, pos);
            ushort elem = U16(span, pos + 2);
            var tag = new DicomTag(group, elem);
            if (group == 0xFFFE)
            {
                if (elem == 0xE00D && untilItemDelimiter) return pos + 8;
                throw DicomFormatException.UnexpectedDelimiter(_file, pos, tag, _ts);
            }
            if (stopWhen is not null && stopWhen(tag))
            {
                StoppedAt = pos;
                return pos;
            }
            DicomVR vr;
            uint length;
            if (explicitVr)
            {
                vr = DicomVRInfo.FromBytes(span[pos + 4], span[pos + 5]);
                if (vr == DicomVR.None) throw DicomFormatException.InvalidVR(_file, pos, tag, span[pos + 4], span[pos + 5], _ts);
                if (DicomVRInfo.HasLongLength(vr))
                {
                    if (end - pos < 12) throw DicomFormatException.TruncatedHeader(_file, pos, 12, end - pos, _ts);
                    length = U32(span, pos + 8);
                    pos += 12;
                }
                else
                {
                    length = U16(span, pos + 6);
                    pos += 8;
                }
            }
            else
            {
                vr = DicomDictionary.ImplicitVR(tag);
                length = U32(span, pos + 4);
                pos += 8;
            }

            DicomElement element;
            if (length == UndefinedLength)
            {
                if (tag == DicomTag.PixelData && vr is DicomVR.OB or DicomVR.OW or DicomVR.UN)
                {
                    element = ParseEncapsulated(tag, vr, start, ref pos, end);
                }
                else if (vr is DicomVR.SQ or DicomVR.UN)
                {
                    // An undefined-length UN is a sequence encoded in implicit VR little endian (PS3.5 §6.2.2 note).
                    bool childExplicit = vr == DicomVR.SQ && explicitVr;
                    var items = ParseSequence(tag, start, ref pos, end, undefined: true, childExplicit, depth, target);
                    element = new DicomElement(tag, DicomVR.SQ, ReadOnlyMemory<byte>.Empty, start, items, null);
                }
                else
                {
                    throw DicomFormatException.UndefinedLengthNotAllowed(_file, start, tag, vr, _ts);
                }
            }
            else if (depth == 0 && tag == DicomTag.PixelData && _littleEndian && LazyTail is { } tail
                && length > (uint)(end - pos) && pos + (long)length == tail.FileLength && (length & 1) == 0)
            {
                // The buffer is a prefix of the file and Pixel Data is its last element: leave the value on disk.
                long valueOffset = pos;
                string path = tail.Path;
                element = new DicomElement(tag, vr, start, length, path, valueOffset, () => ReadRange(path, valueOffset, (int)length));
                LeftPixelDataInFile = true;
                target.AddParsed(element);
                return end;
            }
            else
            {
                if (length > (uint)(end - pos)) throw DicomFormatException.LengthExceedsFile(_file, start, tag, vr, length, end - pos, _ts);
                if ((length & 1) == 1 && !_options.AllowOddLengths) throw DicomFormatException.OddLength(_file, start, tag, vr, length, _ts);
                int valueEnd = pos + (int)length;
                if (vr == DicomVR.SQ)
                {
                    var items = ParseSequence(tag, start, ref pos, valueEnd, undefined: false, explicitVr, depth, target);
                    element = new DicomElement(tag, vr, ReadOnlyMemory<byte>.Empty, start, items, null);
                }
                else
                {
                    var value = _memory.Slice(pos, (int)length);
                    if (!_littleEndian) value = Swap(value, vr);
                    element = new DicomElement(tag, vr, value, start, null, null);
                }
                pos = valueEnd;
            }
            target.AddParsed(element);
        }
    }

    private static ReadOnlyMemory<byte> ReadRange(string path, long offset, int length)
    {
        using var handle = File.OpenHandle(path);
        var buffer = GC.AllocateUninitializedArray<byte>(length);
        int done = 0;
        while (done < length)
        {
            int n = RandomAccess.Read(handle, buffer.AsSpan(done), offset + done);
            if (n == 0) throw new EndOfStreamException($"{Path.GetFileName(path)}: the file became shorter after it was opened; expected {length:N0} bytes of Pixel Data at byte 0x{offset:X8}.");
            done += n;
        }
        return buffer;
    }

    private static ReadOnlyMemory<byte> Swap(ReadOnlyMemory<byte> value, DicomVR vr)
    {
        int w = DicomVRInfo.SwapWidth(vr);
        if (w == 0 || value.IsEmpty) return value;
        var copy = value.ToArray();
        for (int i = 0; i + w <= copy.Length; i += w) copy.AsSpan(i, w).Reverse();
        return copy;
    }

    private List<DicomDataset> ParseSequence(DicomTag tag, int start, ref int pos, int end, bool undefined, bool explicitVr, int depth, DicomDataset parent)
    {
        if (depth + 1 > _options.MaxSequenceDepth) throw DicomFormatException.NestingTooDeep(_file, start, tag, _options.MaxSequenceDepth, _ts);
        var span = _memory.Span;
        var items = new List<DicomDataset>();
        while (true)
        {
            if (pos >= end)
            {
                if (undefined) throw DicomFormatException.MissingDelimiter(_file, start, tag, _ts);
                return items;
            }
            if (end - pos < 8) throw DicomFormatException.TruncatedHeader(_file, pos, 8, end - pos, _ts);
            var itemTag = new DicomTag(U16(span, pos), U16(span, pos + 2));
            uint itemLength = U32(span, pos + 4);
            int itemStart = pos;
            if (itemTag == DicomTag.SequenceDelimitationItem)
            {
                if (!undefined) throw DicomFormatException.UnexpectedDelimiter(_file, pos, itemTag, _ts);
                pos += 8;
                return items;
            }
            if (itemTag != DicomTag.Item) throw DicomFormatException.ItemExpected(_file, pos, tag, itemTag, _ts);
            pos += 8;
            var item = new DicomDataset(_file, parent, 8);
            if (itemLength == UndefinedLength)
            {
                pos = ParseDataset(item, pos, end, explicitVr, depth + 1, untilItemDelimiter: true, null, itemTag, itemStart);
            }
            else
            {
                if (itemLength > (uint)(end - pos)) throw DicomFormatException.LengthExceedsFile(_file, itemStart, itemTag, DicomVR.None, itemLength, end - pos, _ts);
                int itemEnd = pos + (int)itemLength;
                ParseDataset(item, pos, itemEnd, explicitVr, depth + 1, untilItemDelimiter: false, null, itemTag, itemStart);
                pos = itemEnd;
            }
            items.Add(item);
        }
    }

    private DicomElement ParseEncapsulated(DicomTag tag, DicomVR vr, int start, ref int pos, int end)
    {
        var span = _memory.Span;
        ReadOnlyMemory<byte> offsetTable = ReadOnlyMemory<byte>.Empty;
        var fragments = new List<ReadOnlyMemory<byte>>();
        var offsets = new List<long>();
        bool first = true;
        int firstFragment = -1;
        while (true)
        {
            if (end - pos < 8)
            {
                if (pos >= end) throw DicomFormatException.MissingDelimiter(_file, start, tag, _ts);
                throw DicomFormatException.TruncatedHeader(_file, pos, 8, end - pos, _ts);
            }
            var itemTag = new DicomTag(U16(span, pos), U16(span, pos + 2));
            uint length = U32(span, pos + 4);
            int itemStart = pos;
            if (itemTag == DicomTag.SequenceDelimitationItem)
            {
                pos += 8;
                break;
            }
            if (itemTag != DicomTag.Item) throw DicomFormatException.ItemExpected(_file, pos, tag, itemTag, _ts);
            if (length == UndefinedLength) throw DicomFormatException.UndefinedLengthNotAllowed(_file, pos, itemTag, DicomVR.None, _ts);
            pos += 8;
            if (length > (uint)(end - pos)) throw DicomFormatException.LengthExceedsFile(_file, itemStart, itemTag, DicomVR.None, length, end - pos, _ts);
            var value = _memory.Slice(pos, (int)length);
            if (first)
            {
                offsetTable = value;
                first = false;
            }
            else
            {
                if (firstFragment < 0) firstFragment = itemStart;
                fragments.Add(value);
                offsets.Add(itemStart - firstFragment);
            }
            pos += (int)length;
        }
        return new DicomElement(tag, vr, ReadOnlyMemory<byte>.Empty, start, null, new DicomFragments(offsetTable, fragments, offsets));
    }
}
