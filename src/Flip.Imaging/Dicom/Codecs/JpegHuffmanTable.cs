namespace Flip.Imaging.Dicom;

/// <summary>A JPEG Huffman table (ITU-T T.81 Annex C) with a 9-bit lookup for short codes and the F.16 procedure for longer ones.</summary>
internal sealed class JpegHuffmanTable
{
    private const int LookupBits = 9;
    private readonly int[] _maxCode = new int[18];
    private readonly int[] _valPtr = new int[17];
    private readonly int[] _minCode = new int[17];
    private readonly byte[] _values;
    private readonly ushort[] _lookup = new ushort[1 << LookupBits]; // length << 8 | value, 0 when longer than 9 bits

    public JpegHuffmanTable(ReadOnlySpan<byte> counts, ReadOnlySpan<byte> values)
    {
        _values = values.ToArray();
        int code = 0, k = 0;
        for (int l = 1; l <= 16; l++)
        {
            int n = counts[l - 1];
            if (n == 0)
            {
                _maxCode[l] = -1;
            }
            else
            {
                _valPtr[l] = k;
                _minCode[l] = code;
                if (l <= LookupBits)
                {
                    for (int i = 0; i < n; i++)
                    {
                        int c = code + i;
                        if (c >= 1 << l) break; // over-full table: the rest cannot be addressed
                        int start = c << (LookupBits - l), end = (c + 1) << (LookupBits - l);
                        for (int e = start; e < end; e++) _lookup[e] = (ushort)(l << 8 | _values[k + i]);
                    }
                }
                code += n;
                k += n;
                _maxCode[l] = code - 1;
            }
            code <<= 1;
        }
        _maxCode[17] = int.MaxValue;
    }

    public int Decode(ref JpegBitReader reader, Func<string, Exception> corrupt)
    {
        reader.Fill();
        int entry = _lookup[reader.Peek(LookupBits)];
        if (entry != 0)
        {
            reader.Skip(entry >> 8);
            return entry & 0xFF;
        }
        for (int l = LookupBits + 1; l <= 16; l++)
        {
            int code = reader.Peek(l);
            if (code <= _maxCode[l])
            {
                int j = _valPtr[l] + code - _minCode[l];
                if (j < 0 || j >= _values.Length) throw corrupt("Huffman code outside its table");
                reader.Skip(l);
                return _values[j];
            }
        }
        throw corrupt("invalid Huffman code");
    }
}
