namespace Flip.Imaging.Dicom;

/// <summary>
/// JPEG DCT decoder for sequential Huffman coding, ITU-T T.81 Annex F: baseline (process 1,
/// 8-bit, SOF0) and extended (process 2/4, 8- or 12-bit, SOF1). Interleaved and non-interleaved
/// scans, any sampling factors up to 4, restart intervals. Progressive and arithmetic coding are
/// not supported. Lossy: values may differ by a unit or two from another decoder's (IDCT rounding).
/// </summary>
internal sealed class JpegBaselineDecoder
{
    private static readonly int[] s_zigzag =
    [
        0, 1, 8, 16, 9, 2, 3, 10, 17, 24, 32, 25, 18, 11, 4, 5, 12, 19, 26, 33, 40, 48, 41, 34, 27, 20, 13, 6, 7, 14, 21, 28,
        35, 42, 49, 56, 57, 50, 43, 36, 29, 22, 15, 23, 30, 37, 44, 51, 58, 59, 52, 45, 38, 31, 39, 46, 53, 60, 61, 54, 47, 55, 62, 63,
    ];

    private static readonly double[,] s_cos = BuildCos();

    private static double[,] BuildCos()
    {
        var c = new double[8, 8];
        for (int x = 0; x < 8; x++)
            for (int u = 0; u < 8; u++)
                c[x, u] = (u == 0 ? Math.Sqrt(0.5) : 1) * Math.Cos((2 * x + 1) * u * Math.PI / 16) / 2;
        return c;
    }

    private sealed class Component
    {
        public int Id, H, V, Tq, BlocksPerLine, BlocksPerColumn, Pred;
        public int[] Samples = [];
        public JpegHuffmanTable? Dc, Ac;
    }

    private readonly Func<string, Exception> _corrupt;
    private readonly int _expectedRows, _expectedColumns, _expectedComponents;
    private readonly int[][] _quant = new int[4][];
    private readonly JpegHuffmanTable?[] _dc = new JpegHuffmanTable?[4];
    private readonly JpegHuffmanTable?[] _ac = new JpegHuffmanTable?[4];
    private Component[] _components = [];
    private int _precision, _rows, _columns, _hMax, _vMax, _mcusPerLine, _mcusPerColumn, _restartInterval;
    private bool _adobeRgb;

    private JpegBaselineDecoder(Func<string, Exception> corrupt, int rows, int columns, int components)
    {
        _corrupt = corrupt;
        _expectedRows = rows;
        _expectedColumns = columns;
        _expectedComponents = components;
    }

    /// <summary>Decodes one frame into component planes at full resolution (chroma upsampled), plus precision and whether the data is YCbCr.</summary>
    public static (int[][] Planes, int Precision, bool IsYCbCr) Decode(ReadOnlySpan<byte> data, int rows, int columns, int components, Func<string, Exception> corrupt)
    {
        var d = new JpegBaselineDecoder(corrupt, rows, columns, components);
        d.Run(data);
        if (d._components.Length == 0) throw corrupt("no SOF0/SOF1 frame header and scan found");
        return (d.Planes(), d._precision, d._components.Length == 3 && !d._adobeRgb);
    }

    private void Run(ReadOnlySpan<byte> data)
    {
        if (data.Length < 4 || data[0] != 0xFF || data[1] != 0xD8) throw _corrupt("the frame does not start with a JPEG SOI marker (FF D8)");
        int pos = 2;
        while (pos < data.Length)
        {
            if (data[pos] != 0xFF) throw _corrupt($"expected a marker at byte {pos}, found 0x{data[pos]:X2}");
            while (pos < data.Length && data[pos] == 0xFF) pos++;
            if (pos >= data.Length) break;
            byte marker = data[pos++];
            if (marker == 0xD9) return;
            if (marker is >= 0xD0 and <= 0xD7 or 0x01) continue;
            if (pos + 2 > data.Length) throw _corrupt("segment length runs past the end");
            int length = data[pos] << 8 | data[pos + 1];
            if (length < 2 || pos + length > data.Length) throw _corrupt($"segment 0xFF{marker:X2} declares length {length}, past the end of the data");
            var segment = data.Slice(pos + 2, length - 2);
            pos += length;
            switch (marker)
            {
                case 0xC0 or 0xC1: ReadFrame(segment); break;
                case 0xC4: ReadHuffman(segment); break;
                case 0xDB: ReadQuant(segment); break;
                case 0xDD:
                    if (segment.Length < 2) throw _corrupt("DRI segment too short");
                    _restartInterval = segment[0] << 8 | segment[1];
                    break;
                case 0xEE:
                    // Adobe APP14: transform 0 means the three components are RGB, not YCbCr.
                    if (segment.Length >= 12 && segment[..5].SequenceEqual("Adobe"u8)) _adobeRgb = segment[11] == 0;
                    break;
                case 0xDA: pos = ReadScan(segment, data, pos); break;
                case 0xC2 or 0xC3 or 0xC5 or 0xC6 or 0xC7 or 0xC9 or 0xCA or 0xCB or 0xCD or 0xCE or 0xCF:
                    throw _corrupt($"frame marker 0xFF{marker:X2} is not sequential Huffman DCT (baseline or extended)");
                default: break;
            }
        }
    }

    private void ReadQuant(ReadOnlySpan<byte> s)
    {
        int p = 0;
        while (p < s.Length)
        {
            int pq = s[p] >> 4, tq = s[p] & 15;
            if (tq > 3 || pq > 1 || p + 1 + 64 * (pq + 1) > s.Length) throw _corrupt("DQT segment malformed");
            var table = new int[64];
            for (int i = 0; i < 64; i++) table[s_zigzag[i]] = pq == 0 ? s[p + 1 + i] : s[p + 1 + 2 * i] << 8 | s[p + 2 + 2 * i];
            _quant[tq] = table;
            p += 1 + 64 * (pq + 1);
        }
    }

    private void ReadHuffman(ReadOnlySpan<byte> s)
    {
        int p = 0;
        while (p < s.Length)
        {
            if (p + 17 > s.Length) throw _corrupt("DHT segment too short");
            int cls = s[p] >> 4, id = s[p] & 15;
            if (cls > 1 || id > 3) throw _corrupt($"Huffman table class {cls} id {id}; expected class 0–1, id 0–3");
            int total = 0;
            for (int i = 1; i <= 16; i++) total += s[p + i];
            if (p + 17 + total > s.Length) throw _corrupt("DHT values run past the segment");
            var table = new JpegHuffmanTable(s.Slice(p + 1, 16), s.Slice(p + 17, total));
            if (cls == 0) _dc[id] = table;
            else _ac[id] = table;
            p += 17 + total;
        }
    }

    private void ReadFrame(ReadOnlySpan<byte> s)
    {
        if (s.Length < 6) throw _corrupt("SOF segment too short");
        if (_components.Length > 0) throw _corrupt("a second frame header");
        _precision = s[0];
        _rows = s[1] << 8 | s[2];
        _columns = s[3] << 8 | s[4];
        int n = s[5];
        if (_precision is not (8 or 12)) throw _corrupt($"precision {_precision}; expected 8 or 12");
        if (_rows != _expectedRows || _columns != _expectedColumns || n != _expectedComponents || s.Length < 6 + 3 * n)
            throw _corrupt($"the JPEG frame is {_columns}×{_rows} with {n} components; the dataset says {_expectedColumns}×{_expectedRows} with {_expectedComponents}");
        _components = new Component[n];
        for (int i = 0; i < n; i++)
        {
            var c = new Component { Id = s[6 + 3 * i], H = s[7 + 3 * i] >> 4, V = s[7 + 3 * i] & 15, Tq = s[8 + 3 * i] };
            if (c.H is < 1 or > 4 || c.V is < 1 or > 4 || c.Tq > 3) throw _corrupt($"component {i} sampling {c.H}×{c.V} or table {c.Tq} out of range");
            _components[i] = c;
        }
        _hMax = _components.Max(c => c.H);
        _vMax = _components.Max(c => c.V);
        _mcusPerLine = (_columns + 8 * _hMax - 1) / (8 * _hMax);
        _mcusPerColumn = (_rows + 8 * _vMax - 1) / (8 * _vMax);
        foreach (var c in _components)
        {
            c.BlocksPerLine = _mcusPerLine * c.H;
            c.BlocksPerColumn = _mcusPerColumn * c.V;
            c.Samples = new int[c.BlocksPerLine * 8 * c.BlocksPerColumn * 8];
        }
    }

    private int ReadScan(ReadOnlySpan<byte> header, ReadOnlySpan<byte> data, int pos)
    {
        if (_components.Length == 0) throw _corrupt("scan before the frame header");
        if (header.Length < 1) throw _corrupt("SOS segment too short");
        int ns = header[0];
        if (ns < 1 || ns > 4 || header.Length < 1 + 2 * ns + 3) throw _corrupt("SOS segment too short");
        var scan = new Component[ns];
        for (int i = 0; i < ns; i++)
        {
            int id = header[1 + 2 * i];
            var c = _components.FirstOrDefault(x => x.Id == id) ?? throw _corrupt($"scan names component {id}, which the frame header lacks");
            int td = header[2 + 2 * i] >> 4, ta = header[2 + 2 * i] & 15;
            c.Dc = (td < 4 ? _dc[td] : null) ?? throw _corrupt($"scan uses DC table {td}, which was not defined");
            c.Ac = (ta < 4 ? _ac[ta] : null) ?? throw _corrupt($"scan uses AC table {ta}, which was not defined");
            if (_quant[c.Tq] is null) throw _corrupt($"component {id} uses quantisation table {c.Tq}, which was not defined");
            c.Pred = 0;
            scan[i] = c;
        }
        var reader = new JpegBitReader(data, pos);
        var block = new int[64];
        int mcu = 0;
        if (ns == 1)
        {
            // Non-interleaved: blocks in raster order over the component's own (unpadded-to-MCU) extent.
            var c = scan[0];
            int w = (int)Math.Ceiling(Math.Ceiling(_columns * c.H / (double)_hMax) / 8);
            int h = (int)Math.Ceiling(Math.Ceiling(_rows * c.V / (double)_vMax) / 8);
            for (int by = 0; by < h; by++)
                for (int bx = 0; bx < w; bx++)
                {
                    Restart(ref reader, ref mcu, scan);
                    DecodeBlock(ref reader, c, by, bx, block);
                }
        }
        else
        {
            for (int my = 0; my < _mcusPerColumn; my++)
                for (int mx = 0; mx < _mcusPerLine; mx++)
                {
                    Restart(ref reader, ref mcu, scan);
                    foreach (var c in scan)
                        for (int v = 0; v < c.V; v++)
                            for (int u = 0; u < c.H; u++)
                                DecodeBlock(ref reader, c, my * c.V + v, mx * c.H + u, block);
                }
        }
        return reader.EndPosition();
    }

    private void Restart(ref JpegBitReader reader, ref int mcu, Component[] scan)
    {
        if (_restartInterval > 0 && mcu > 0 && mcu % _restartInterval == 0)
        {
            reader.Restart();
            foreach (var c in scan) c.Pred = 0;
        }
        mcu++;
    }

    private void DecodeBlock(ref JpegBitReader reader, Component c, int blockRow, int blockColumn, int[] coefficients)
    {
        Array.Clear(coefficients);
        int t = c.Dc!.Decode(ref reader, _corrupt);
        if (t > 16) throw _corrupt($"DC category {t}; expected at most 16");
        int diff = t == 0 ? 0 : Extend(reader.Bits(t), t);
        c.Pred += diff;
        var q = _quant[c.Tq];
        coefficients[0] = c.Pred * q[0];
        for (int k = 1; k < 64;)
        {
            int rs = c.Ac!.Decode(ref reader, _corrupt);
            int r = rs >> 4, s = rs & 15;
            if (s == 0)
            {
                if (r != 15) break; // end of block
                k += 16;
                continue;
            }
            k += r;
            if (k > 63) throw _corrupt("AC coefficients run past the block");
            int z = s_zigzag[k];
            coefficients[z] = Extend(reader.Bits(s), s) * q[z];
            k++;
        }
        if (blockRow >= c.BlocksPerColumn || blockColumn >= c.BlocksPerLine) return;
        InverseDct(coefficients, c, blockRow, blockColumn);
    }

    private static int Extend(int v, int t) => v < 1 << (t - 1) ? v - (1 << t) + 1 : v;

    private void InverseDct(int[] f, Component c, int blockRow, int blockColumn)
    {
        Span<double> temp = stackalloc double[64];
        for (int y = 0; y < 8; y++)
            for (int u = 0; u < 8; u++)
            {
                double sum = 0;
                for (int v = 0; v < 8; v++) sum += s_cos[y, v] * f[v * 8 + u];
                temp[y * 8 + u] = sum;
            }
        int shift = 1 << (_precision - 1), max = (1 << _precision) - 1;
        int stride = c.BlocksPerLine * 8;
        int baseIndex = blockRow * 8 * stride + blockColumn * 8;
        for (int y = 0; y < 8; y++)
            for (int x = 0; x < 8; x++)
            {
                double sum = 0;
                for (int u = 0; u < 8; u++) sum += s_cos[x, u] * temp[y * 8 + u];
                c.Samples[baseIndex + y * stride + x] = Math.Clamp((int)Math.Round(sum) + shift, 0, max);
            }
    }

    private int[][] Planes()
    {
        var planes = new int[_components.Length][];
        for (int i = 0; i < _components.Length; i++)
        {
            var c = _components[i];
            var plane = new int[_rows * _columns];
            int stride = c.BlocksPerLine * 8;
            bool h2v1 = _hMax == 2 * c.H && _vMax == c.V;
            int width = (_columns * c.H + _hMax - 1) / _hMax;
            for (int y = 0; y < _rows; y++)
            {
                int sy = y * c.V / _vMax;
                int row = sy * stride;
                for (int x = 0; x < _columns; x++)
                {
                    if (h2v1)
                    {
                        // IJG libjpeg's "fancy" triangle-filter upsampling for 2:1 horizontal chroma (jdsample.c h2v1_fancy_upsample).
                        int at = x >> 1, v3 = 3 * c.Samples[row + at];
                        plane[y * _columns + x] = (x & 1) == 0
                            ? (at == 0 ? c.Samples[row] : (v3 + c.Samples[row + at - 1] + 1) >> 2)
                            : (at >= width - 1 ? c.Samples[row + at] : (v3 + c.Samples[row + at + 1] + 2) >> 2);
                    }
                    else
                    {
                        plane[y * _columns + x] = c.Samples[row + x * c.H / _hMax];
                    }
                }
            }
            planes[i] = plane;
        }
        return planes;
    }
}
