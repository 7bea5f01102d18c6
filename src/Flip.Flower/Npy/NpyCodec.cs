using System.Buffers.Binary;
using System.Collections.Immutable;
using System.Globalization;

namespace Flip.Flower.Npy;

/// <summary>
/// Reads and writes NumPy <c>.npy</c> bytes exactly as <c>np.save(buffer, a, allow_pickle=False)</c>
/// and <c>np.load(buffer, allow_pickle=False)</c> do — the format of every array Flower sends
/// (legacy <c>Parameters.tensors</c>, Fleet <c>Array.data</c>).
/// </summary>
/// <remarks>
/// Format: NumPy NEP 1 / <c>numpy.lib.format</c> (numpy ≥ 1.23 header layout): magic
/// <c>\x93NUMPY</c>, version 1.0 (2.0 when the header exceeds 65,535 bytes), little-endian header
/// length, an ASCII dict <c>{'descr': '&lt;f4', 'fortran_order': False, 'shape': (2, 2), }</c>
/// followed by numpy's growth padding (21 minus the digits of the first axis, last axis for
/// Fortran order), space-padded and ended by <c>\n</c> so the data starts at a multiple of 64,
/// then the raw elements. Encoding copies the element bytes once; decoding checks every length
/// against the bytes given before allocating and copies once (or not at all with
/// <see cref="DecodeShared"/>). Single-threaded.
/// </remarks>
public static class NpyCodec
{
    private const int MagicLength = 6;
    private const int Align = 64;
    private const int GrowthAxisMaxDigits = 21;
    private const int MaxDimensions = 64;

    /// <summary>The six magic bytes every NPY blob starts with.</summary>
    public static ReadOnlySpan<byte> Magic => [0x93, (byte)'N', (byte)'U', (byte)'M', (byte)'P', (byte)'Y'];

    /// <summary>Number of bytes <see cref="Encode(NpyArray, Span{byte})"/> writes for this array.</summary>
    /// <param name="array">The array.</param>
    /// <returns>Header plus data length.</returns>
    public static int GetEncodedLength(NpyArray array)
    {
        ArgumentNullException.ThrowIfNull(array);
        Span<byte> scratch = stackalloc byte[HeaderScratch(array)];
        int prefix = WriteHeader(array, scratch);
        return checked(prefix + array.Data.Length);
    }

    /// <summary>Encodes an array into new NPY bytes, identical to numpy's.</summary>
    /// <param name="array">The array.</param>
    /// <returns>The NPY bytes.</returns>
    public static byte[] Encode(NpyArray array)
    {
        ArgumentNullException.ThrowIfNull(array);
        Span<byte> header = stackalloc byte[HeaderScratch(array)];
        int prefix = WriteHeader(array, header);
        byte[] result = GC.AllocateUninitializedArray<byte>(checked(prefix + array.Data.Length));
        header[..prefix].CopyTo(result);
        array.Data.Span.CopyTo(result.AsSpan(prefix));
        return result;
    }

    /// <summary>The NPY header alone (magic, version, dict, padding): <see cref="Encode(NpyArray)"/> is this followed by the array's data.</summary>
    /// <param name="array">The array.</param>
    /// <returns>The header bytes.</returns>
    public static byte[] EncodeHeader(NpyArray array)
    {
        ArgumentNullException.ThrowIfNull(array);
        Span<byte> header = stackalloc byte[HeaderScratch(array)];
        return header[..WriteHeader(array, header)].ToArray();
    }

    /// <summary>Encodes an array into a caller's buffer.</summary>
    /// <param name="array">The array.</param>
    /// <param name="destination">At least <see cref="GetEncodedLength"/> bytes.</param>
    /// <returns>Bytes written.</returns>
    /// <exception cref="ArgumentException"><paramref name="destination"/> is too small.</exception>
    public static int Encode(NpyArray array, Span<byte> destination)
    {
        ArgumentNullException.ThrowIfNull(array);
        Span<byte> header = stackalloc byte[HeaderScratch(array)];
        int prefix = WriteHeader(array, header);
        int total = checked(prefix + array.Data.Length);
        if (destination.Length < total)
        {
            throw new ArgumentException($"The destination has {destination.Length} bytes; the NPY encoding needs {total}.", nameof(destination));
        }

        header[..prefix].CopyTo(destination);
        array.Data.Span.CopyTo(destination[prefix..]);
        return total;
    }

    /// <summary>Decodes NPY bytes into an array that owns a copy of the element bytes.</summary>
    /// <param name="npy">The complete NPY blob.</param>
    /// <returns>The array.</returns>
    /// <exception cref="FlowerProtocolException">The bytes are not a complete, supported NPY blob; the message names the byte offset and what was expected.</exception>
    public static NpyArray Decode(ReadOnlySpan<byte> npy)
    {
        Header h = ReadHeader(npy);
        byte[] data = GC.AllocateUninitializedArray<byte>(checked((int)h.DataLength));
        npy.Slice(h.DataOffset, data.Length).CopyTo(data);
        return NpyArray.CreateTrusted(h.DType, h.Shape, h.FortranOrder, data, h.Count);
    }

    /// <summary>Decodes NPY bytes into an array whose <see cref="NpyArray.Data"/> is a slice of <paramref name="npy"/> (no copy).</summary>
    /// <param name="npy">The complete NPY blob; it must not be modified while the array is in use.</param>
    /// <returns>The array.</returns>
    /// <exception cref="FlowerProtocolException">The bytes are not a complete, supported NPY blob.</exception>
    public static NpyArray DecodeShared(ReadOnlyMemory<byte> npy)
    {
        Header h = ReadHeader(npy.Span);
        return NpyArray.CreateTrusted(h.DType, h.Shape, h.FortranOrder, npy.Slice(h.DataOffset, (int)h.DataLength), h.Count);
    }

    private static int HeaderScratch(NpyArray array) => 256 + (array.Shape.Length * 16);

    private static int WriteHeader(NpyArray array, Span<byte> buffer)
    {
        // numpy writes fortran_order True only for arrays that are F- but not C-contiguous; an
        // array with at most one axis longer than 1 (or no elements) is both, and numpy says False.
        bool fortran = array.FortranOrder && array.ElementCount > 0 && CountLongAxes(array.Shape) >= 2;

        // Build the dict after a 12-byte gap (room for a version 2 prefix), then move it if v1.
        const int gap = 12;
        int p = gap;
        p += Ascii("{'descr': '", buffer[p..]);
        p += Ascii(array.DType.Descr, buffer[p..]);
        p += Ascii("', 'fortran_order': ", buffer[p..]);
        p += Ascii(fortran ? "True" : "False", buffer[p..]);
        p += Ascii(", 'shape': (", buffer[p..]);
        ImmutableArray<int> shape = array.Shape;
        for (int i = 0; i < shape.Length; i++)
        {
            if (i > 0)
            {
                buffer[p++] = (byte)',';
                buffer[p++] = (byte)' ';
            }

            shape[i].TryFormat(buffer[p..], out int written, default, CultureInfo.InvariantCulture);
            p += written;
        }

        if (shape.Length == 1)
        {
            buffer[p++] = (byte)',';
        }

        p += Ascii("), }", buffer[p..]);
        if (shape.Length > 0)
        {
            int axis = shape[fortran ? shape.Length - 1 : 0];
            int growth = GrowthAxisMaxDigits - Digits(axis);
            buffer.Slice(p, growth).Fill((byte)' ');
            p += growth;
        }

        int dictLength = p - gap;
        int hlen = dictLength + 1;
        int prefixV1 = MagicLength + 2 + 2;
        int padV1 = Align - ((prefixV1 + hlen) % Align);
        bool v1 = hlen + padV1 <= ushort.MaxValue;
        int prefix = v1 ? prefixV1 : MagicLength + 2 + 4;
        int pad = v1 ? padV1 : Align - ((prefix + hlen) % Align);
        if (prefix + dictLength + pad + 1 > buffer.Length)
        {
            throw FlowerProtocolException.InvalidArray($"the NPY header for shape of {shape.Length} dimensions is too long");
        }

        buffer.Slice(gap, dictLength).CopyTo(buffer[prefix..]);
        Magic.CopyTo(buffer);
        buffer[6] = (byte)(v1 ? 1 : 2);
        buffer[7] = 0;
        if (v1)
        {
            BinaryPrimitives.WriteUInt16LittleEndian(buffer[8..], (ushort)(hlen + pad));
        }
        else
        {
            BinaryPrimitives.WriteUInt32LittleEndian(buffer[8..], (uint)(hlen + pad));
        }

        int end = prefix + dictLength;
        buffer.Slice(end, pad).Fill((byte)' ');
        end += pad;
        buffer[end++] = (byte)'\n';
        return end;
    }

    private static int CountLongAxes(ImmutableArray<int> shape)
    {
        int n = 0;
        foreach (int d in shape)
        {
            if (d > 1)
            {
                n++;
            }
        }

        return n;
    }

    private static int Digits(int value)
    {
        int digits = 1;
        while (value >= 10)
        {
            value /= 10;
            digits++;
        }

        return digits;
    }

    private static int Ascii(string text, Span<byte> destination)
    {
        for (int i = 0; i < text.Length; i++)
        {
            destination[i] = (byte)text[i];
        }

        return text.Length;
    }

    private readonly record struct Header(NpyDType DType, ImmutableArray<int> Shape, bool FortranOrder, int DataOffset, long DataLength, long Count);

    private static Header ReadHeader(ReadOnlySpan<byte> npy)
    {
        if (npy.Length < MagicLength + 2)
        {
            throw FlowerProtocolException.NpyTruncated(0, "the magic and version", MagicLength + 2, npy.Length);
        }

        if (!npy[..MagicLength].SequenceEqual(Magic))
        {
            throw FlowerProtocolException.NpyBadPreamble(0, $"bytes {Convert.ToHexString(npy[..MagicLength])}", "the NPY magic 934E554D5059 (\\x93NUMPY)");
        }

        byte major = npy[6];
        byte minor = npy[7];
        if (major is < 1 or > 3 || minor != 0)
        {
            throw FlowerProtocolException.NpyBadPreamble(6, $"version {major}.{minor}", "NPY version 1.0, 2.0 or 3.0");
        }

        int lengthSize = major == 1 ? 2 : 4;
        if (npy.Length < 8 + lengthSize)
        {
            throw FlowerProtocolException.NpyTruncated(8, "the header length", lengthSize, npy.Length - 8);
        }

        long headerLength = major == 1 ? BinaryPrimitives.ReadUInt16LittleEndian(npy[8..]) : BinaryPrimitives.ReadUInt32LittleEndian(npy[8..]);
        int headerStart = 8 + lengthSize;
        if (headerLength > npy.Length - headerStart)
        {
            throw FlowerProtocolException.NpyTruncated(headerStart, "the header dict", headerLength, npy.Length - headerStart);
        }

        int dataOffset = headerStart + (int)headerLength;
        var parser = new HeaderParser(npy[headerStart..dataOffset], headerStart);
        (NpyDType dtype, bool fortran, ImmutableArray<int> shape) = parser.Parse();

        long count;
        long dataLength;
        try
        {
            count = NpyArray.CountElements(shape.AsSpan());
            dataLength = checked(count * dtype.ItemSize);
        }
        catch (OverflowException)
        {
            throw FlowerProtocolException.NpyBadHeader(headerStart, "shape", $"({string.Join(", ", shape)})", "a shape whose byte size fits in 64 bits");
        }

        long available = npy.Length - dataOffset;
        if (dataLength != available)
        {
            throw dataLength > available
                ? FlowerProtocolException.NpyTruncated(dataOffset, "the array data", dataLength, available)
                : FlowerProtocolException.NpyDataLength(dataOffset, dataLength, available);
        }

        return new Header(dtype, shape, fortran, dataOffset, dataLength, count);
    }

    /// <summary>A strict reader of the Python dict literal numpy writes (keys descr, fortran_order, shape).</summary>
    private ref struct HeaderParser(ReadOnlySpan<byte> text, int baseOffset)
    {
        private readonly ReadOnlySpan<byte> _text = text;
        private int _pos;

        public (NpyDType DType, bool Fortran, ImmutableArray<int> Shape) Parse()
        {
            NpyDType? dtype = null;
            bool? fortran = null;
            ImmutableArray<int>? shape = null;

            SkipSpace();
            Expect((byte)'{', "'{' opening the header dict");
            while (true)
            {
                SkipSpace();
                if (Peek() == '}')
                {
                    _pos++;
                    break;
                }

                int keyAt = _pos;
                string key = ReadString("a quoted key");
                SkipSpace();
                Expect((byte)':', $"':' after key '{key}'");
                SkipSpace();
                switch (key)
                {
                    case "descr":
                        int at = _pos;
                        if (Peek() is not ('\'' or '"'))
                        {
                            throw Bad("descr", Describe(), "a plain dtype string such as '<f4' (structured dtypes are not supported)");
                        }

                        string descr = ReadString("a dtype string");
                        if (!NpyDType.TryFromDescr(descr, out NpyDType? d))
                        {
                            throw FlowerProtocolException.NpyBadHeader(baseOffset + at, "descr", $"'{descr}'",
                                "a little-endian numeric or bool dtype (<f4, <f8, <f2, <i8, <i4, <i2, |i1, <u8, <u4, <u2, |u1, |b1); object arrays are refused");
                        }

                        dtype = d;
                        break;
                    case "fortran_order":
                        fortran = ReadBool();
                        break;
                    case "shape":
                        shape = ReadShape();
                        break;
                    default:
                        throw FlowerProtocolException.NpyBadHeader(baseOffset + keyAt, key, "an unknown key", "only 'descr', 'fortran_order' and 'shape'");
                }

                SkipSpace();
                if (Peek() == ',')
                {
                    _pos++;
                }
                else if (Peek() != '}')
                {
                    throw Bad("header", Describe(), "',' or '}' after a value");
                }
            }

            if (dtype is null || fortran is null || shape is null)
            {
                string missing = dtype is null ? "descr" : fortran is null ? "fortran_order" : "shape";
                throw FlowerProtocolException.NpyBadHeader(baseOffset + _pos, missing, "no such key", "the keys 'descr', 'fortran_order' and 'shape'");
            }

            // The rest is padding: spaces and the final newline.
            for (; _pos < _text.Length; _pos++)
            {
                if (_text[_pos] is not ((byte)' ' or (byte)'\n' or (byte)'\r' or (byte)'\t' or 0))
                {
                    throw Bad("header", Describe(), "only spaces and '\\n' after the dict");
                }
            }

            return (dtype, fortran.Value, shape.Value);
        }

        private readonly char Peek() => _pos < _text.Length ? (char)_text[_pos] : '\0';

        private readonly string Describe() =>
            _pos >= _text.Length ? "the end of the header" : $"'{(char)_text[_pos]}'";

        private readonly FlowerProtocolException Bad(string key, string found, string expected) =>
            FlowerProtocolException.NpyBadHeader(baseOffset + _pos, key, found, expected);

        private void SkipSpace()
        {
            while (_pos < _text.Length && _text[_pos] is (byte)' ' or (byte)'\t' or (byte)'\n' or (byte)'\r')
            {
                _pos++;
            }
        }

        private void Expect(byte c, string what)
        {
            if (Peek() != c)
            {
                throw Bad("header", Describe(), what);
            }

            _pos++;
        }

        private string ReadString(string what)
        {
            char quote = Peek();
            if (quote is not ('\'' or '"'))
            {
                throw Bad("header", Describe(), what);
            }

            int start = ++_pos;
            while (_pos < _text.Length && _text[_pos] != quote)
            {
                if (_text[_pos] == '\\')
                {
                    throw Bad("header", "an escape sequence", "a plain string");
                }

                _pos++;
            }

            if (_pos >= _text.Length)
            {
                throw Bad("header", "the end of the header", $"the closing {quote}");
            }

            string s = System.Text.Encoding.Latin1.GetString(_text[start.._pos]);
            _pos++;
            return s;
        }

        private bool ReadBool()
        {
            if (_text[_pos..].StartsWith("True"u8))
            {
                _pos += 4;
                return true;
            }

            if (_text[_pos..].StartsWith("False"u8))
            {
                _pos += 5;
                return false;
            }

            throw Bad("fortran_order", Describe(), "True or False");
        }

        private ImmutableArray<int> ReadShape()
        {
            Expect((byte)'(', "'(' opening the shape tuple");
            var dims = ImmutableArray.CreateBuilder<int>();
            while (true)
            {
                SkipSpace();
                if (Peek() == ')')
                {
                    _pos++;
                    break;
                }

                int start = _pos;
                long value = 0;
                while (_pos < _text.Length && _text[_pos] is >= (byte)'0' and <= (byte)'9')
                {
                    value = (value * 10) + (_text[_pos] - '0');
                    if (value > int.MaxValue)
                    {
                        throw FlowerProtocolException.NpyBadHeader(baseOffset + start, "shape", "a dimension above 2147483647", "dimensions that fit Flower's int32 Array.shape");
                    }

                    _pos++;
                }

                if (_pos == start)
                {
                    throw Bad("shape", Describe(), "a non-negative integer dimension");
                }

                if (Peek() == 'L')
                {
                    _pos++; // Python 2 long suffix, as old numpy wrote it.
                }

                dims.Add((int)value);
                if (dims.Count > MaxDimensions)
                {
                    throw Bad("shape", $"more than {MaxDimensions} dimensions", $"at most {MaxDimensions} (numpy's limit)");
                }

                SkipSpace();
                if (Peek() == ',')
                {
                    _pos++;
                }
                else if (Peek() != ')')
                {
                    throw Bad("shape", Describe(), "',' or ')' in the shape tuple");
                }
            }

            return dims.ToImmutable();
        }
    }
}
