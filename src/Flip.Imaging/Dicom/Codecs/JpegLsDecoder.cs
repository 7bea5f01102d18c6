namespace Flip.Imaging.Dicom;

/// <summary>
/// JPEG-LS decoder (ITU-T T.87 / ISO 14495-1, LOCO-I): context modelling, median edge prediction,
/// limited-length Golomb codes and run mode, lossless and near-lossless, for grey-scale images
/// and for colour images coded one component per scan (ILV = 0). Covers DICOM's
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
        if (ns != 1 || ilv != 0) throw _corrupt($"a scan of {ns} components with interleave mode {ilv}; only one component per scan (ILV 0) is supported");
        if (pointTransform != 0) throw _corrupt("point transform in JPEG-LS is not supported");
        int c = Array.IndexOf(_componentIds, header[1]);
        if (c < 0) throw _corrupt($"scan names component {header[1]}, which the frame header lacks");

        int maxVal = _maxValPreset > 0 ? _maxValPreset : (1 << _precision) - 1;
        if (near > Math.Min(255, maxVal / 2)) throw _corrupt($"NEAR {near} is too large for MAXVAL {maxVal}");
        int range = (maxVal + 2 * near) / (2 * near + 1) + 1;
        int qbpp = Log2Ceiling(range);
        int bpp = Math.Max(2, Log2Ceiling(maxVal + 1));
        int limit = 2 * (bpp + Math.Max(8, bpp));
        var (t1, t2, t3) = Thresholds(maxVal, near);
        if (_t1Preset > 0) t1 = _t1Preset;
        if (_t2Preset > 0) t2 = _t2Preset;
        if (_t3Preset > 0) t3 = _t3Preset;
        int reset = _resetPreset > 0 ? _resetPreset : 64;

        var a = new int[367];
        var b = new int[367];
        var cc = new int[367];
        var n = new int[367];
        var nn = new int[367];
        Array.Fill(a, Math.Max(2, (range + 32) / 64));
        Array.Fill(n, 1);
        int runIndex = 0;
        int quant = 2 * near + 1;

        var reader = new LsBitReader(data, pos);
        int w = _columns;
        var prev = new int[w + 2];
        var cur = new int[w + 2];
        var plane = _planes[c];

        int Quantise(int d)
        {
            if (d <= -t3) return -4;
            if (d <= -t2) return -3;
            if (d <= -t1) return -2;
            if (d < -near) return -1;
            if (d <= near) return 0;
            if (d < t1) return 1;
            if (d < t2) return 2;
            if (d < t3) return 3;
            return 4;
        }

        int Fix(int rx)
        {
            if (rx < -near) rx += range * quant;
            else if (rx > maxVal + near) rx -= range * quant;
            return Math.Clamp(rx, 0, maxVal);
        }

        for (int y = 0; y < _rows; y++)
        {
            (prev, cur) = (cur, prev);
            if (y == 0) Array.Clear(prev);
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
                    bool endOfLine = false;
                    while (reader.Bit() == 1)
                    {
                        int count = Math.Min(1 << s_j[runIndex], w - x);
                        for (int i = 0; i < count; i++) cur[x + 1 + i] = ra;
                        x += count;
                        if (count == 1 << s_j[runIndex] && runIndex < 31) runIndex++;
                        if (x == w)
                        {
                            endOfLine = true;
                            break;
                        }
                    }
                    if (endOfLine) break;
                    if (s_j[runIndex] > 0)
                    {
                        int count = reader.Bits(s_j[runIndex]);
                        if (x + count >= w) throw _corrupt("a run passes the end of the line");
                        for (int i = 0; i < count; i++) cur[x + 1 + i] = ra;
                        x += count;
                    }
                    // Run interruption sample.
                    rb = prev[x + 1];
                    ra = cur[x];
                    int riType = Math.Abs(ra - rb) <= near ? 1 : 0;
                    int q = 365 + riType;
                    int temp = a[q] + (n[q] >> 1) * riType;
                    int k = 0;
                    for (int nt = n[q]; nt < temp; k++) nt <<= 1;
                    int emErr = DecodeValue(ref reader, k, limit - s_j[runIndex] - 1, qbpp);
                    int t = emErr + riType;
                    int map = t & 1;
                    int errAbs = (t + map) / 2;
                    int err = ((k != 0 || 2 * nn[q] >= n[q]) ? 1 : 0) == map ? -errAbs : errAbs;
                    if (err < 0) nn[q]++;
                    a[q] += (emErr + 1 - riType) >> 1;
                    if (n[q] == reset)
                    {
                        a[q] >>= 1;
                        n[q] >>= 1;
                        nn[q] >>= 1;
                    }
                    n[q]++;
                    int rx = riType == 1 ? Fix(ra + err * quant) : Fix(rb + err * quant * (rb - ra < 0 ? -1 : 1));
                    cur[x + 1] = rx;
                    x++;
                    if (runIndex > 0) runIndex--;
                    continue;
                }

                // Regular mode (A.4–A.6).
                int q1 = Quantise(d1), q2 = Quantise(d2), q3 = Quantise(d3);
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
                px = Math.Clamp(px + sign * cc[ctx], 0, maxVal);
                int kk = 0;
                while ((n[ctx] << kk) < a[ctx] && kk < 24) kk++;
                int mErr = DecodeValue(ref reader, kk, limit, qbpp);
                int errVal;
                if (near == 0 && kk == 0 && 2 * b[ctx] <= -n[ctx])
                    errVal = (mErr & 1) == 1 ? (mErr - 1) >> 1 : -(mErr >> 1) - 1;
                else
                    errVal = (mErr & 1) == 0 ? mErr >> 1 : -((mErr + 1) >> 1);
                b[ctx] += errVal * quant;
                a[ctx] += Math.Abs(errVal);
                if (n[ctx] == reset)
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
                cur[x + 1] = Fix(px + sign * errVal * quant);
                x++;
            }
            Array.Copy(cur, 1, plane, y * w, w);
        }
        return reader.EndPosition();
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
