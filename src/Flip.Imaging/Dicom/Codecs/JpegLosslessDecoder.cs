namespace Flip.Imaging.Dicom;

/// <summary>
/// JPEG lossless decoder, ITU-T T.81 Annex H (process 14): Huffman-coded differences from one of
/// seven predictors, any precision 2–16, point transform, restart intervals, one to four
/// components with 1×1 sampling. Covers DICOM's 1.2.840.10008.1.2.4.57 and .70 (predictor 1).
/// </summary>
internal sealed class JpegLosslessDecoder
{
    private readonly Func<string, Exception> _corrupt;
    private readonly JpegHuffmanTable?[] _tables = new JpegHuffmanTable?[4];
    private int _precision, _rows, _columns, _restartInterval;
    private int[] _componentIds = [];
    private int[][]? _planes;

    private readonly int _expectedRows, _expectedColumns, _expectedComponents;

    private JpegLosslessDecoder(Func<string, Exception> corrupt, int rows, int columns, int components)
    {
        _corrupt = corrupt;
        _expectedRows = rows;
        _expectedColumns = columns;
        _expectedComponents = components;
    }

    /// <summary>Decodes one frame; returns samples per component plane (values after the point transform), plus precision.</summary>
    public static (int[][] Planes, int Precision, int Rows, int Columns) Decode(ReadOnlySpan<byte> data, int rows, int columns, int components, Func<string, Exception> corrupt)
    {
        var decoder = new JpegLosslessDecoder(corrupt, rows, columns, components);
        decoder.Run(data);
        if (decoder._planes is null) throw corrupt("no SOF3 frame header and scan found");
        return (decoder._planes, decoder._precision, decoder._rows, decoder._columns);
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
                case 0xC3: ReadFrameHeader(segment); break;
                case 0xC4: ReadJpegHuffmanTables(segment); break;
                case 0xDD:
                    if (segment.Length < 2) throw _corrupt("DRI segment too short");
                    _restartInterval = segment[0] << 8 | segment[1];
                    break;
                case 0xDA: pos = ReadScan(segment, data, pos); break;
                case 0xC0 or 0xC1 or 0xC2 or 0xC5 or 0xC6 or 0xC7 or 0xC9 or 0xCA or 0xCB or 0xCD or 0xCE or 0xCF or 0xF7:
                    throw _corrupt($"frame marker 0xFF{marker:X2} is not lossless Huffman (process 14 needs SOF3, 0xFFC3)");
                default: break; // APPn, COM, DQT and others carry nothing we need
            }
        }
    }

    private void ReadFrameHeader(ReadOnlySpan<byte> s)
    {
        if (s.Length < 6) throw _corrupt("SOF3 segment too short");
        _precision = s[0];
        _rows = s[1] << 8 | s[2];
        _columns = s[3] << 8 | s[4];
        int n = s[5];
        if (_precision is < 2 or > 16) throw _corrupt($"precision {_precision}; expected 2 to 16");
        if (n is < 1 or > 4 || s.Length < 6 + 3 * n) throw _corrupt($"{n} components in SOF3; expected 1 to 4");
        // Checked before allocating, so a corrupt header cannot ask for gigabytes.
        if (_rows != _expectedRows || _columns != _expectedColumns || n != _expectedComponents)
            throw _corrupt($"the JPEG frame is {_columns}×{_rows} with {n} components; the dataset says {_expectedColumns}×{_expectedRows} with {_expectedComponents}");
        if (_planes is not null) throw _corrupt("a second SOF3 frame header");
        _componentIds = new int[n];
        _planes = new int[n][];
        for (int i = 0; i < n; i++)
        {
            _componentIds[i] = s[6 + 3 * i];
            if (s[7 + 3 * i] != 0x11) throw _corrupt($"component {i} sampling 0x{s[7 + 3 * i]:X2}; expected 1×1 (0x11)");
            _planes[i] = new int[_rows * _columns];
        }
    }

    private void ReadJpegHuffmanTables(ReadOnlySpan<byte> s)
    {
        int p = 0;
        while (p < s.Length)
        {
            if (p + 17 > s.Length) throw _corrupt("DHT segment too short");
            int cls = s[p] >> 4, id = s[p] & 15;
            if (cls != 0 || id > 3) throw _corrupt($"Huffman table class {cls} id {id}; expected a DC table 0–3");
            var counts = s.Slice(p + 1, 16);
            int total = 0;
            foreach (var c in counts) total += c;
            if (p + 17 + total > s.Length) throw _corrupt("DHT values run past the segment");
            _tables[id] = new JpegHuffmanTable(counts, s.Slice(p + 17, total));
            p += 17 + total;
        }
    }

    private int ReadScan(ReadOnlySpan<byte> header, ReadOnlySpan<byte> data, int pos)
    {
        if (_planes is null) throw _corrupt("scan before the SOF3 frame header");
        if (header.Length < 1) throw _corrupt("SOS segment too short");
        int ns = header[0];
        if (ns < 1 || header.Length < 1 + 2 * ns + 3) throw _corrupt("SOS segment too short");
        var planes = new int[ns][];
        var tables = new JpegHuffmanTable[ns];
        for (int i = 0; i < ns; i++)
        {
            int id = header[1 + 2 * i];
            int c = Array.IndexOf(_componentIds, id);
            if (c < 0) throw _corrupt($"scan names component {id}, which the frame header lacks");
            planes[i] = _planes[c];
            int td = header[2 + 2 * i] >> 4;
            tables[i] = (td < _tables.Length ? _tables[td] : null) ?? throw _corrupt($"scan uses Huffman table {td}, which was not defined");
        }
        int predictor = header[1 + 2 * ns];
        int pointTransform = header[3 + 2 * ns] & 15;
        if (predictor is < 1 or > 7) throw _corrupt($"predictor {predictor}; expected 1 to 7");
        if (pointTransform >= _precision) throw _corrupt($"point transform {pointTransform}; expected less than the precision {_precision}");
        var reader = new JpegBitReader(data, pos);
        int cols = _columns, rows = _rows;
        int initial = 1 << (_precision - pointTransform - 1);
        int mcus = 0;
        bool firstLine = true, resetPrediction = true;
        for (int y = 0; y < rows; y++)
        {
            for (int x = 0; x < cols; x++)
            {
                if (_restartInterval > 0 && mcus > 0 && mcus % _restartInterval == 0)
                {
                    // H.1.2.1: each restart interval starts like the scan, from the default prediction.
                    reader.Restart();
                    firstLine = true;
                    resetPrediction = true;
                }
                int at = y * cols + x;
                for (int i = 0; i < ns; i++)
                {
                    var plane = planes[i];
                    int prediction;
                    if (resetPrediction) prediction = initial;
                    else if (firstLine) prediction = x == 0 ? plane[at - cols] : plane[at - 1];
                    else if (x == 0) prediction = plane[at - cols];
                    else
                    {
                        int ra = plane[at - 1], rb = plane[at - cols], rc = plane[at - cols - 1];
                        prediction = predictor switch
                        {
                            1 => ra,
                            2 => rb,
                            3 => rc,
                            4 => ra + rb - rc,
                            5 => ra + ((rb - rc) >> 1),
                            6 => rb + ((ra - rc) >> 1),
                            _ => (ra + rb) >> 1,
                        };
                    }
                    int diff = Difference(ref reader, tables[i]);
                    plane[at] = (prediction + diff) & 0xFFFF;
                }
                resetPrediction = false;
                mcus++;
            }
            firstLine = false;
        }
        if (pointTransform > 0)
            foreach (var plane in planes)
                for (int i = 0; i < plane.Length; i++) plane[i] <<= pointTransform;
        return reader.EndPosition();
    }

    private int Difference(ref JpegBitReader reader, JpegHuffmanTable table)
    {
        int ssss = table.Decode(ref reader, _corrupt);
        if (ssss == 0) return 0;
        if (ssss == 16) return 32768;
        if (ssss > 16) throw _corrupt($"difference category {ssss}; expected 0 to 16");
        int bits = reader.Bits(ssss);
        return bits < 1 << (ssss - 1) ? bits - (1 << ssss) + 1 : bits;
    }
}
