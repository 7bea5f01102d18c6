namespace Flip.Imaging.Dicom;

/// <summary>
/// JPEG-LS decoder (ITU-T T.87 / ISO 14495-1, LOCO-I): context modelling, median edge prediction,
/// limited-length Golomb codes and run mode, lossless and near-lossless, for grey-scale images
/// and for colour images coded one component per scan (ILV 0) or line-interleaved (ILV 1). Covers DICOM's
/// 1.2.840.10008.1.2.4.80 and .81.
/// </summary>
internal sealed class JpegLsDecoder
{
    private static readonly int[] s_j = [0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2, 2, 3, 3, 3, 3, 4, 4, 5, 5, 6, 6, 7, 7, 8, 9, 10, 11, 12, 13, 14, 15];

    private readonly Func<string, Exception> _corrupt;
    private readonly int _expectedRows, _expectedColumns, _expectedComponents;
    private int _precision, _rows, _columns;
    private int[] _componentIds = [];
    private int[][] _planes = [];
    private int _maxValPreset, _t1Preset, _t2Preset, _t3Preset, _resetPreset;

    private JpegLsDecoder(Func<string, Exception> corrupt, int rows, int columns, int components)
    {
        _corrupt = corrupt;
        _expectedRows = rows;
        _expectedColumns = columns;
        _expectedComponents = components;
    }

    /// <summary>Decodes one frame into component planes.</summary>
    public static (int[][] Planes, int Precision) Decode(ReadOnlySpan<byte> data, int rows, int columns, int components, Func<string, Exception> corrupt)
    {
        var d = new JpegLsDecoder(corrupt, rows, columns, components);
        d.Run(data);
        if (d._planes.Length == 0) throw corrupt("no SOF55 frame header and scan found");
        return (d._planes, d._precision);
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
            if (pos + 2 > data.Length) throw _corrupt("segment length runs past the end");
            int length = data[pos] << 8 | data[pos + 1];
            if (length < 2 || pos + length > data.Length) throw _corrupt($"segment 0xFF{marker:X2} declares length {length}, past the end of the data");
            var segment = data.Slice(pos + 2, length - 2);
            pos += length;
            switch (marker)
            {
                case 0xF7: ReadFrame(segment); break;
                case 0xF8: ReadPresets(segment); break;
                case 0xDA: pos = ReadScan(segment, data, pos); break;
                case 0xDD: throw _corrupt("restart intervals in JPEG-LS are not supported");
                case >= 0xC0 and <= 0xCF when marker != 0xC4 && marker != 0xC8 && marker != 0xCC:
                    throw _corrupt($"frame marker 0xFF{marker:X2} is not JPEG-LS (SOF55, 0xFFF7)");
                default: break;
            }
        }
    }

    private void ReadFrame(ReadOnlySpan<byte> s)
    {
        if (s.Length < 6) throw _corrupt("SOF55 segment too short");
        if (_planes.Length > 0) throw _corrupt("a second frame header");
        _precision = s[0];
        _rows = s[1] << 8 | s[2];
        _columns = s[3] << 8 | s[4];
        int n = s[5];
        if (_precision is < 2 or > 16) throw _corrupt($"precision {_precision}; expected 2 to 16");
        if (_rows != _expectedRows || _columns != _expectedColumns || n != _expectedComponents || s.Length < 6 + 3 * n)
            throw _corrupt($"the JPEG-LS frame is {_columns}×{_rows} with {n} components; the dataset says {_expectedColumns}×{_expectedRows} with {_expectedComponents}");
        _componentIds = new int[n];
        _planes = new int[n][];
        for (int i = 0; i < n; i++)
        {
            _componentIds[i] = s[6 + 3 * i];
            if (s[7 + 3 * i] != 0x11) throw _corrupt($"component {i} sampling 0x{s[7 + 3 * i]:X2}; expected 1×1");
            _planes[i] = new int[_rows * _columns];
        }
    }

    private void ReadPresets(ReadOnlySpan<byte> s)
    {
        if (s.Length < 1) throw _corrupt("LSE segment too short");
        if (s[0] != 1) throw _corrupt($"LSE type {s[0]} is not supported; expected preset coding parameters (1)");
        if (s.Length < 11) throw _corrupt("LSE segment too short");
        _maxValPreset = s[1] << 8 | s[2];
        _t1Preset = s[3] << 8 | s[4];
        _t2Preset = s[5] << 8 | s[6];
        _t3Preset = s[7] << 8 | s[8];
        _resetPreset = s[9] << 8 | s[10];
    }

    private int ReadScan(ReadOnlySpan<byte> header, ReadOnlySpan<byte> data, int pos)
    {
        if (_planes.Length == 0) throw _corrupt("scan before the frame header");
        if (header.Length < 1) throw _corrupt("SOS segment too short");
        int ns = header[0];
        if (ns < 1 || header.Length < 1 + 2 * ns + 3) throw _corrupt("SOS segment too short");
        int near = header[1 + 2 * ns];
        int ilv = header[2 + 2 * ns];
        int pointTransform = header[3 + 2 * ns] & 15;
        if (ilv > 1 || (ilv == 0 && ns != 1)) throw _corrupt($"interleave mode {ilv} with {ns} components in a scan is not supported (only none and line interleaving)");
        if (pointTransform != 0) throw _corrupt("point transform in JPEG-LS is not supported");
        var planes = new int[ns][];
        for (int i = 0; i < ns; i++)
        {
            int c = Array.IndexOf(_componentIds, header[1 + 2 * i]);
            if (c < 0) throw _corrupt($"scan names component {header[1 + 2 * i]}, which the frame header lacks");
            planes[i] = _planes[c];
        }

        int maxVal = _maxValPreset > 0 ? _maxValPreset : (1 << _precision) - 1;
        if (near > Math.Min(255, maxVal / 2)) throw _corrupt($"NEAR {near} is too large for MAXVAL {maxVal}");
        var st = new ScanState { MaxVal = maxVal, Near = near, Quant = 2 * near + 1 };
        st.Range = (maxVal + 2 * near) / st.Quant + 1;
        st.Qbpp = Log2Ceiling(st.Range);
        int bpp = Math.Max(2, Log2Ceiling(maxVal + 1));
        st.Limit = 2 * (bpp + Math.Max(8, bpp));
        (st.T1, st.T2, st.T3) = Thresholds(maxVal, near);
        if (_t1Preset > 0) st.T1 = _t1Preset;
        if (_t2Preset > 0) st.T2 = _t2Preset;
        if (_t3Preset > 0) st.T3 = _t3Preset;
        st.Reset = _resetPreset > 0 ? _resetPreset : 64;
        Array.Fill(st.A, Math.Max(2, (st.Range + 32) / 64));
        Array.Fill(st.N, 1);

        var reader = new LsBitReader(data, pos);
        int w = _columns;
        // Per component: two line buffers and a run index (T.87 A.7.1.1: RUNindex is kept per component when lines interleave).
        var prev = new int[ns][];
        var cur = new int[ns][];
        var runIndex = new int[ns];
        for (int i = 0; i < ns; i++)
        {
            prev[i] = new int[w + 2];
            cur[i] = new int[w + 2];
        }
        for (int y = 0; y < _rows; y++)
        {
            for (int i = 0; i < ns; i++)
            {
                (prev[i], cur[i]) = (cur[i], prev[i]);
                if (y == 0) Array.Clear(prev[i]);
                DecodeLine(ref reader, st, prev[i], cur[i], ref runIndex[i]);
                Array.Copy(cur[i], 1, planes[i], y * w, w);
            }
        }
        return reader.EndPosition();
    }

    private sealed class ScanState
    {
        public int MaxVal, Near, Quant, Range, Qbpp, Limit, T1, T2, T3, Reset;
        public readonly int[] A = new int[367], B = new int[367], C = new int[367], N = new int[367], Nn = new int[367];
    }

    private static int Quantise(ScanState st, int d)
    {
        if (d <= -st.T3) return -4;
        if (d <= -st.T2) return -3;
        if (d <= -st.T1) return -2;
        if (d < -st.Near) return -1;
        if (d <= st.Near) return 0;
        if (d < st.T1) return 1;
        if (d < st.T2) return 2;
        if (d < st.T3) return 3;
        return 4;
    }

    private static int Fix(ScanState st, int rx)
    {
        if (rx < -st.Near) rx += st.Range * st.Quant;
        else if (rx > st.MaxVal + st.Near) rx -= st.Range * st.Quant;
        return Math.Clamp(rx, 0, st.MaxVal);
    }

    private void DecodeLine(ref LsBitReader reader, ScanState st, int[] prev, int[] cur, ref int runIndex)
    {
        int w = _columns, near = st.Near, quant = st.Quant;
        int[] a = st.A, b = st.B, cc = st.C, n = st.N, nn = st.Nn;
        // Index 0 is column −1 and index w + 1 is column w (T.87 A.2.1 edge rules).
        cur[0] = prev[1];
        prev[w + 1] = prev[w];
        int x = 0;
        while (x < w)
        {
            int ra = cur[x], rb = prev[x + 1], rc = prev[x], rd = prev[x + 2];
            int d1 = rd - rb, d2 = rb - rc, d3 = rc - ra;
            if (Math.Abs(d1) <= near && Math.Abs(d2) <= near && Math.Abs(d3) <= near)
            {
                // Run mode (A.7).
                while (reader.Bit() == 1)
                {
                    int count = Math.Min(1 << s_j[runIndex], w - x);
                    for (int i = 0; i < count; i++) cur[x + 1 + i] = ra;
                    x += count;
                    if (count == 1 << s_j[runIndex] && runIndex < 31) runIndex++;
                    if (x == w) return;
                }
                if (s_j[runIndex] > 0)
                {
                    int count = reader.Bits(s_j[runIndex]);
                    if (x + count >= w) throw _corrupt("a run passes the end of the line");
                    for (int i = 0; i < count; i++) cur[x + 1 + i] = ra;
                    x += count;
                }
                // Run interruption sample (A.7.2).
                rb = prev[x + 1];
                ra = cur[x];
                int riType = Math.Abs(ra - rb) <= near ? 1 : 0;
                int q = 365 + riType;
                int temp = a[q] + (n[q] >> 1) * riType;
                int k = 0;
                for (int nt = n[q]; nt < temp && k < 24; k++) nt <<= 1;
                int emErr = DecodeValue(ref reader, k, st.Limit - s_j[runIndex] - 1, st.Qbpp);
                int t = emErr + riType;
                int map = t & 1;
                int errAbs = (t + map) / 2;
                int err = ((k != 0 || 2 * nn[q] >= n[q]) ? 1 : 0) == map ? -errAbs : errAbs;
                if (err < 0) nn[q]++;
                a[q] += (emErr + 1 - riType) >> 1;
                if (n[q] == st.Reset)
                {
                    a[q] >>= 1;
                    n[q] >>= 1;
                    nn[q] >>= 1;
                }
                n[q]++;
                cur[x + 1] = riType == 1 ? Fix(st, ra + err * quant) : Fix(st, rb + err * quant * (rb - ra < 0 ? -1 : 1));
                x++;
                if (runIndex > 0) runIndex--;
                continue;
            }

            // Regular mode (A.4–A.6).
            int q1 = Quantise(st, d1), q2 = Quantise(st, d2), q3 = Quantise(st, d3);
            int sign = 1;
            if (q1 < 0 || (q1 == 0 && q2 < 0) || (q1 == 0 && q2 == 0 && q3 < 0))
            {
                q1 = -q1;
                q2 = -q2;
                q3 = -q3;
                sign = -1;
            }
            int ctx = 81 * q1 + 9 * q2 + q3;
            int px = rc >= Math.Max(ra, rb) ? Math.Min(ra, rb) : rc <= Math.Min(ra, rb) ? Math.Max(ra, rb) : ra + rb - rc;
            px = Math.Clamp(px + sign * cc[ctx], 0, st.MaxVal);
            int kk = 0;
            while ((n[ctx] << kk) < a[ctx] && kk < 24) kk++;
            int mErr = DecodeValue(ref reader, kk, st.Limit, st.Qbpp);
            int errVal;
            if (near == 0 && kk == 0 && 2 * b[ctx] <= -n[ctx])
                errVal = (mErr & 1) == 1 ? (mErr - 1) >> 1 : -(mErr >> 1) - 1;
            else
                errVal = (mErr & 1) == 0 ? mErr >> 1 : -((mErr + 1) >> 1);
            b[ctx] += errVal * quant;
            a[ctx] += Math.Abs(errVal);
            if (n[ctx] == st.Reset)
            {
                a[ctx] >>= 1;
                b[ctx] = b[ctx] >= 0 ? b[ctx] >> 1 : -((1 - b[ctx]) >> 1);
                n[ctx] >>= 1;
            }
            n[ctx]++;
            if (b[ctx] <= -n[ctx])
            {
                b[ctx] += n[ctx];
                if (cc[ctx] > -128) cc[ctx]--;
                if (b[ctx] <= -n[ctx]) b[ctx] = -n[ctx] + 1;
            }
            else if (b[ctx] > 0)
            {
                b[ctx] -= n[ctx];
                if (cc[ctx] < 127) cc[ctx]++;
                if (b[ctx] > 0) b[ctx] = 0;
            }
            cur[x + 1] = Fix(st, px + sign * errVal * quant);
            x++;
        }
    }

    private int DecodeValue(ref LsBitReader reader, int k, int limit, int qbpp)
    {
        int high = 0;
        while (reader.Bit() == 0)
        {
            if (++high > 64) throw _corrupt("a Golomb code longer than any JPEG-LS code");
        }
        if (high >= limit - (qbpp + 1)) return reader.Bits(qbpp) + 1;
        return k == 0 ? high : (high << k) + reader.Bits(k);
    }

    private static int Log2Ceiling(int v)
    {
        int bits = 0;
        while ((1 << bits) < v) bits++;
        return bits;
    }

    private static (int T1, int T2, int T3) Thresholds(int maxVal, int near)
    {
        // T.87 C.2.4.1.1.1, default thresholds from BASIC_T1..3 = 3, 7, 21.
        if (maxVal >= 128)
        {
            int factor = (Math.Min(maxVal, 4095) + 128) / 256;
            int t1 = Math.Clamp(factor * (3 - 2) + 2 + 3 * near, near + 1, maxVal);
            int t2 = Math.Clamp(factor * (7 - 3) + 3 + 5 * near, t1, maxVal);
            int t3 = Math.Clamp(factor * (21 - 4) + 4 + 7 * near, t2, maxVal);
            return (t1, t2, t3);
        }
        else
        {
            int factor = 256 / (maxVal + 1);
            int t1 = Math.Clamp(Math.Max(2, 3 / factor + 3 * near), near + 1, maxVal);
            int t2 = Math.Clamp(Math.Max(3, 7 / factor + 5 * near), t1, maxVal);
            int t3 = Math.Clamp(Math.Max(4, 21 / factor + 7 * near), t2, maxVal);
            return (t1, t2, t3);
        }
    }

    /// <summary>JPEG-LS bit reader: after a 0xFF byte the next byte carries only 7 bits (T.87 A.1).</summary>
    private ref struct LsBitReader(ReadOnlySpan<byte> data, int pos)
    {
        private readonly ReadOnlySpan<byte> _data = data;
        private int _pos = pos;
        private int _buffer;
        private int _count;
        private bool _afterFF;

        public int Bit()
        {
            if (_count == 0)
            {
                int b = 0;
                if (_pos < _data.Length && !(_data[_pos] == 0xFF && _pos + 1 < _data.Length && _data[_pos + 1] >= 0x80))
                {
                    b = _data[_pos++];
                }
                _count = _afterFF ? 7 : 8;
                _afterFF = b == 0xFF;
                _buffer = b;
            }
            _count--;
            return (_buffer >> _count) & 1;
        }

        public int Bits(int n)
        {
            int v = 0;
            for (int i = 0; i < n; i++) v = (v << 1) | Bit();
            return v;
        }

        public readonly int EndPosition()
        {
            int p = _pos;
            while (p + 1 < _data.Length && !(_data[p] == 0xFF && _data[p + 1] >= 0x80)) p++;
            return p;
        }
    }
}
