namespace Flip.Imaging.Dicom;

/// <summary>Reads the entropy-coded bits of a JPEG scan: removes stuffed zero bytes (FF 00) and feeds zeros at a marker (ITU-T T.81 F.2.2.5).</summary>
internal ref struct JpegBitReader(ReadOnlySpan<byte> data, int pos)
{
    private readonly ReadOnlySpan<byte> _data = data;
    private int _pos = pos;
    private ulong _buffer;
    private int _count;

    /// <summary>Tops the buffer up to at least 57 bits.</summary>
    public void Fill()
    {
        while (_count <= 56)
        {
            ulong b = 0;
            if (_pos < _data.Length)
            {
                byte v = _data[_pos];
                if (v != 0xFF)
                {
                    b = v;
                    _pos++;
                }
                else if (_pos + 1 < _data.Length && _data[_pos + 1] == 0x00)
                {
                    b = 0xFF;
                    _pos += 2;
                }
                // else: a marker; feed zeros and stay in front of it.
            }
            _buffer |= b << (56 - _count);
            _count += 8;
        }
    }

    /// <summary>The next <paramref name="n"/> bits (1–16) without consuming them; call <see cref="Fill"/> first.</summary>
    public readonly int Peek(int n) => (int)(_buffer >> (64 - n));

    /// <summary>Consumes <paramref name="n"/> bits.</summary>
    public void Skip(int n)
    {
        _buffer <<= n;
        _count -= n;
    }

    /// <summary>Reads <paramref name="n"/> bits (0–16) as an unsigned number.</summary>
    public int Bits(int n)
    {
        if (n == 0) return 0;
        if (_count < n) Fill();
        int v = Peek(n);
        Skip(n);
        return v;
    }

    /// <summary>Drops the rest of the current byte and skips the next RSTn marker.</summary>
    public void Restart()
    {
        _buffer = 0;
        _count = 0;
        while (_pos + 1 < _data.Length && !(_data[_pos] == 0xFF && _data[_pos + 1] is >= 0xD0 and <= 0xD7)) _pos++;
        if (_pos + 1 < _data.Length) _pos += 2;
    }

    /// <summary>Where the next marker after the scan starts.</summary>
    public readonly int EndPosition()
    {
        int p = _pos;
        while (p + 1 < _data.Length && !(_data[p] == 0xFF && _data[p + 1] != 0x00 && _data[p + 1] is < 0xD0 or > 0xD7)) p++;
        return p;
    }
}
