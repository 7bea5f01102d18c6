using System.Buffers;
using System.Buffers.Binary;
using System.Numerics;
using System.Runtime.InteropServices;
using System.Security.Cryptography;

namespace Flip.Imaging.Dicom;

/// <summary>The image pixel description of a dataset and lazy access to its decoded frames.</summary>
/// <remarks>
/// PS3.3 §C.7.6.3 (Image Pixel module), PS3.5 §8 (native) and Annex A.4 (encapsulated). Frames are
/// decoded only when asked for. Decoded frames always have samples interleaved (whatever Planar
/// Configuration says), each sample little endian in the width of Bits Allocated, holding the
/// stored value: masked to Bits Stored and, for Pixel Representation 1, sign-extended. Supported:
/// native pixel data (8, 16 or 32 bits allocated, and 1-bit masks), RLE Lossless, JPEG
/// Lossless process 14 (any predictor, including selection value 1), JPEG baseline and
/// extended (lossy DCT; YBR frames are converted to RGB), and JPEG-LS lossless and near-lossless
/// (uninterleaved or line-interleaved), and JPEG 2000 through OpenJPEG (libopenjp2.so.7). Other compressed syntaxes
/// raise <see cref="DicomFormatException.UnsupportedCompression"/> with the conversion command.
/// Values are never inverted for MONOCHROME1 (where low values display bright): they stay stored
/// or real-world values, and <see cref="PhotometricInterpretation"/> tells a viewer how to show them.
/// </remarks>
public sealed class DicomPixelData
{
    private readonly DicomDataset _dataset;
    private readonly DicomElement _element;

    private DicomPixelData(DicomDataset dataset, TransferSyntax syntax, DicomElement element)
    {
        _dataset = dataset;
        _element = element;
        TransferSyntax = syntax;
        string? file = dataset.SourceFile;
        Rows = dataset.GetInt32(DicomTag.Rows);
        Columns = dataset.GetInt32(DicomTag.Columns);
        SamplesPerPixel = dataset.GetInt32OrDefault(DicomTag.SamplesPerPixel, 1);
        BitsAllocated = dataset.GetInt32(DicomTag.BitsAllocated);
        BitsStored = dataset.GetInt32OrDefault(DicomTag.BitsStored, BitsAllocated);
        HighBit = dataset.GetInt32OrDefault(DicomTag.HighBit, BitsStored - 1);
        PixelRepresentation = dataset.GetInt32OrDefault(DicomTag.PixelRepresentation, 0);
        PlanarConfiguration = dataset.GetInt32OrDefault(DicomTag.PlanarConfiguration, 0);
        FrameCount = dataset.GetInt32OrDefault(DicomTag.NumberOfFrames, 1);
        PhotometricInterpretation = dataset.GetStringOrDefault(DicomTag.PhotometricInterpretation, SamplesPerPixel == 3 ? "RGB" : "MONOCHROME2");
        RescaleSlope = dataset.GetDoubleOrDefault(DicomTag.RescaleSlope, 1);
        RescaleIntercept = dataset.GetDoubleOrDefault(DicomTag.RescaleIntercept, 0);
        if (RescaleSlope == 0 || !double.IsFinite(RescaleSlope)) RescaleSlope = 1;
        if (!double.IsFinite(RescaleIntercept)) RescaleIntercept = 0;

        string? Check(bool ok, string what) => ok ? null : what;
        var problem = Check(Rows is > 0 and <= 65535, $"Rows is {Rows}; expected 1 to 65535")
            ?? Check(Columns is > 0 and <= 65535, $"Columns is {Columns}; expected 1 to 65535")
            ?? Check(SamplesPerPixel is 1 or 3 or 4, $"Samples per Pixel is {SamplesPerPixel}; expected 1, 3 or 4")
            ?? Check(BitsAllocated is 1 or 8 or 16 or 32, $"Bits Allocated is {BitsAllocated}; expected 1, 8, 16 or 32")
            ?? Check(BitsStored >= 1 && BitsStored <= BitsAllocated, $"Bits Stored is {BitsStored}; expected 1 to Bits Allocated ({BitsAllocated})")
            ?? Check(PixelRepresentation is 0 or 1, $"Pixel Representation is {PixelRepresentation}; expected 0 or 1")
            ?? Check(FrameCount is > 0 and <= 1_000_000, $"Number of Frames is {FrameCount}; expected 1 or more");
        if (problem is not null) throw DicomFormatException.BadPixelData(file, element.Offset, problem + ".", syntax.Uid);
        long frameBits = (long)Rows * Columns * SamplesPerPixel * BitsAllocated;
        if (BitsAllocated == 1 && frameBits % 8 != 0 && FrameCount > 1)
            throw DicomFormatException.BadPixelData(file, element.Offset, "multi-frame 1-bit pixel data whose frames do not end on a byte boundary is not supported.", syntax.Uid);
        long frameLength = BitsAllocated == 1 ? (long)Rows * Columns * SamplesPerPixel : frameBits / 8;
        if (frameLength > Array.MaxLength)
            throw DicomFormatException.BadPixelData(file, element.Offset, $"one frame would need {frameLength:N0} bytes; expected at most {Array.MaxLength:N0}.", syntax.Uid);
        FrameLength = (int)frameLength;
        if (element.Fragments is { } fragments)
        {
            // RLE, lossless JPEG, DCT JPEG and JPEG-LS cannot compress much better than 128:1, so a frame far larger than
            // all the compressed bytes is a corrupt header; checked before any frame is allocated.
            long compressed = fragments.Fragments.Sum(f => (long)f.Length);
            // JPEG 2000 codes a flat image in a few hundred bytes (pydicom's JPEG2000.dcm: 512 KiB from 250 bytes);
            // its header is checked against Rows, Columns and Samples per Pixel before the decoder allocates.
            long slack = IsJpeg2000 ? 64L << 20 : 65536;
            if ((long)FrameLength > 1024 * compressed + slack)
                throw DicomFormatException.BadPixelData(file, element.Offset,
                    $"a {Columns}×{Rows}×{SamplesPerPixel} frame of {BitsAllocated}-bit samples ({FrameLength:N0} bytes) cannot come from {compressed:N0} compressed bytes; expected Rows, Columns and Bits Allocated to match the compressed data.", syntax.Uid);
        }
        else
        {
            // Uncompressed YBR_FULL_422 holds two samples per pixel, Y1 Y2 Cb Cr for each pair of pixels
            // (PS3.3 §C.7.6.3.1.2); decoding expands it to three, as pydicom does.
            bool subsampled = IsNativeYbr422;
            if (subsampled && (long)Rows * Columns % 2 != 0)
                throw DicomFormatException.BadPixelData(file, element.Offset, $"YBR_FULL_422 pixel data of {Columns}×{Rows} pixels; expected an even number of pixels (2 share one Cb and Cr).", syntax.Uid);
            _encodedFrameLength = subsampled ? FrameLength / 3 * 2 : FrameLength;
            long needed = BitsAllocated == 1 ? (frameBits * FrameCount + 7) / 8 : (long)_encodedFrameLength * FrameCount;
            if (element.Length < needed)
                throw DicomFormatException.BadPixelData(file, element.Offset,
                    $"{element.Length:N0} bytes of pixel data; expected {needed:N0} ({FrameCount} frames × {Rows} rows × {Columns} columns × {(subsampled ? "2 samples (YBR_FULL_422)" : $"{SamplesPerPixel} samples")} × {BitsAllocated} bits).", syntax.Uid);
        }
    }

    /// <summary>Bytes of one native frame as stored: <see cref="FrameLength"/>, or two thirds of it for subsampled YBR_FULL_422.</summary>
    private readonly int _encodedFrameLength;

    private bool IsNativeYbr422 => _element.Fragments is null && SamplesPerPixel == 3 && BitsAllocated >= 8 && PhotometricInterpretation == "YBR_FULL_422";

    /// <summary>Describes the pixel data of a file.</summary>
    /// <param name="file">The file.</param>
    /// <returns>The pixel data.</returns>
    /// <exception cref="DicomFormatException">Pixel Data or a required image attribute is missing or inconsistent.</exception>
    public static DicomPixelData Create(DicomFile file)
    {
        ArgumentNullException.ThrowIfNull(file);
        return Create(file.Dataset, file.TransferSyntax);
    }

    /// <summary>Describes the pixel data of a dataset encoded in a transfer syntax.</summary>
    /// <param name="dataset">The dataset.</param>
    /// <param name="syntax">Its transfer syntax.</param>
    /// <returns>The pixel data.</returns>
    /// <exception cref="DicomFormatException">Pixel Data or a required image attribute is missing or inconsistent.</exception>
    public static DicomPixelData Create(DicomDataset dataset, TransferSyntax syntax)
    {
        ArgumentNullException.ThrowIfNull(dataset);
        ArgumentNullException.ThrowIfNull(syntax);
        return new DicomPixelData(dataset, syntax, dataset.GetElement(DicomTag.PixelData));
    }

    /// <summary>The transfer syntax of the pixel data.</summary>
    public TransferSyntax TransferSyntax { get; }

    /// <summary>Rows (0028,0010).</summary>
    public int Rows { get; }

    /// <summary>Columns (0028,0011).</summary>
    public int Columns { get; }

    /// <summary>Samples per Pixel (0028,0002).</summary>
    /// <value>1 when absent.</value>
    public int SamplesPerPixel { get; }

    /// <summary>Bits Allocated (0028,0100).</summary>
    public int BitsAllocated { get; }

    /// <summary>Bits Stored (0028,0101).</summary>
    /// <value>Bits Allocated when absent.</value>
    public int BitsStored { get; }

    /// <summary>High Bit (0028,0102).</summary>
    public int HighBit { get; }

    /// <summary>Pixel Representation (0028,0103): 0 unsigned, 1 two's complement.</summary>
    public int PixelRepresentation { get; }

    /// <summary>True when stored values are signed.</summary>
    public bool IsSigned => PixelRepresentation == 1;

    /// <summary>Planar Configuration (0028,0006) of the encoded data: 0 interleaved, 1 planar.</summary>
    public int PlanarConfiguration { get; }

    /// <summary>Number of Frames (0028,0008).</summary>
    /// <value>1 when absent.</value>
    public int FrameCount { get; }

    /// <summary>Photometric Interpretation (0028,0004), such as MONOCHROME2 or RGB.</summary>
    public string PhotometricInterpretation { get; }

    /// <summary>Rescale Slope (0028,1053).</summary>
    /// <value>1 when absent.</value>
    public double RescaleSlope { get; }

    /// <summary>Rescale Intercept (0028,1052).</summary>
    /// <value>0 when absent.</value>
    public double RescaleIntercept { get; }

    /// <summary>Bytes in one decoded frame: rows × columns × samples × (bits allocated / 8); for 1-bit data one byte per sample.</summary>
    public int FrameLength { get; }

    /// <summary>True when this library can decode the pixel data: native, RLE Lossless, JPEG Lossless process 14, JPEG baseline/extended, JPEG-LS or JPEG 2000.</summary>
    public bool CanDecode => _element.Fragments is null || TransferSyntax.Uid == TransferSyntax.RleLossless.Uid
        || TransferSyntax.Uid == TransferSyntax.JpegLosslessProcess14.Uid || TransferSyntax.Uid == TransferSyntax.JpegLosslessProcess14Sv1.Uid
        || IsJpegDct || IsJpegLs || IsJpeg2000;

    private bool IsJpeg2000 => TransferSyntax.Uid == TransferSyntax.Jpeg2000Lossless.Uid || TransferSyntax.Uid == TransferSyntax.Jpeg2000.Uid;

    private bool IsJpegLs => TransferSyntax.Uid == TransferSyntax.JpegLsLossless.Uid || TransferSyntax.Uid == TransferSyntax.JpegLsNearLossless.Uid;

    private bool IsJpegDct => TransferSyntax.Uid == TransferSyntax.JpegBaseline.Uid || TransferSyntax.Uid == TransferSyntax.JpegExtended.Uid;

    /// <summary>The photometric interpretation of decoded frames: RGB for YBR_FULL/YBR_FULL_422 JPEG data (decoding converts it), otherwise <see cref="PhotometricInterpretation"/>.</summary>
    /// <remarks>JPEG 2000 YBR_RCT/YBR_ICT decode to RGB (OpenJPEG inverts the component transform). Uncompressed YBR_FULL_422 decodes to YBR_FULL: each pixel gets its pair's Cb and Cr, values unconverted (as pydicom's <c>pixel_array</c>).</remarks>
    public string DecodedPhotometricInterpretation =>
        IsJpegDct && SamplesPerPixel == 3 && PhotometricInterpretation.StartsWith("YBR", StringComparison.Ordinal) ? "RGB"
        : IsJpeg2000 && PhotometricInterpretation is "YBR_RCT" or "YBR_ICT" ? "RGB"
        : IsNativeYbr422 ? "YBR_FULL"
        : PhotometricInterpretation;

    private int BytesPerSample => BitsAllocated == 1 ? 1 : BitsAllocated / 8;

    /// <summary>Decodes one frame: samples interleaved, little endian, stored values (masked and sign-extended).</summary>
    /// <param name="index">The frame, 0-based.</param>
    /// <returns>A new array of <see cref="FrameLength"/> bytes.</returns>
    /// <exception cref="ArgumentOutOfRangeException">The index is not a frame.</exception>
    /// <exception cref="DicomFormatException">The frame is corrupt or compressed in an unsupported syntax.</exception>
    public byte[] GetFrame(int index)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(index);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(index, FrameCount);
        var output = new byte[FrameLength];
        if (_element.Fragments is null) DecodeNative(index, output);
        else if (IsJpeg2000)
        {
            // As pydicom (its J2K corrections): the code stream's precision, not Bits Stored, says which bits hold
            // the value, and Pixel Representation says whether it is signed.
            int precision = DecodeJpeg2000(index, output);
            NormaliseStoredValues(output, precision, 0);
            return output;
        }
        else DecodeEncapsulated(index, output);
        NormaliseStoredValues(output, BitsStored, Math.Max(0, HighBit + 1 - BitsStored));
        return output;
    }

    /// <summary>Decodes one frame of a single-sample image to real-world values: stored value × slope + intercept.</summary>
    /// <param name="index">The frame, 0-based.</param>
    /// <returns>Rows × columns values, row by row.</returns>
    /// <exception cref="DicomFormatException">The frame is corrupt, unsupported, or has more than one sample per pixel.</exception>
    public float[] GetFrameValues(int index) => GetFrameValues(index, RescaleSlope, RescaleIntercept);

    /// <summary>Decodes one frame to real-world values with an explicit slope and intercept (per-frame functional groups).</summary>
    /// <param name="index">The frame, 0-based.</param>
    /// <param name="slope">The rescale slope.</param>
    /// <param name="intercept">The rescale intercept.</param>
    /// <returns>Rows × columns × samples values.</returns>
    /// <exception cref="DicomFormatException">The frame is corrupt or unsupported.</exception>
    public float[] GetFrameValues(int index, double slope, double intercept)
    {
        var values = new float[Rows * Columns * SamplesPerPixel];
        GetFrameValues(index, slope, intercept, values);
        return values;
    }

    /// <summary>Decodes one frame to real-world values into a caller's buffer: stored value × slope + intercept.</summary>
    /// <param name="index">The frame, 0-based.</param>
    /// <param name="destination">At least rows × columns × samples values; filled row by row, samples interleaved.</param>
    /// <exception cref="ArgumentException">The destination is too short.</exception>
    /// <exception cref="DicomFormatException">The frame is corrupt or unsupported.</exception>
    public void GetFrameValues(int index, Span<float> destination) => GetFrameValues(index, RescaleSlope, RescaleIntercept, destination);

    /// <summary>Decodes one frame to real-world values into a caller's buffer with an explicit slope and intercept.</summary>
    /// <param name="index">The frame, 0-based.</param>
    /// <param name="slope">The rescale slope.</param>
    /// <param name="intercept">The rescale intercept.</param>
    /// <param name="destination">At least rows × columns × samples values; filled row by row, samples interleaved.</param>
    /// <exception cref="ArgumentException">The destination is too short.</exception>
    /// <exception cref="DicomFormatException">The frame is corrupt or unsupported.</exception>
    /// <remarks>
    /// Values of 8 and 16 bits are computed in single precision, multiply then add, as numpy computes pydicom's
    /// <c>pixel_array.astype(float32) * slope + intercept</c>; 32-bit values in double precision, then rounded.
    /// Native 16-bit little-endian frames are converted straight from the file's bytes, vectorised, without a copy.
    /// </remarks>
    public void GetFrameValues(int index, double slope, double intercept, Span<float> destination)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(index);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(index, FrameCount);
        int n = Rows * Columns * SamplesPerPixel;
        if (destination.Length < n) throw new ArgumentException($"the destination holds {destination.Length:N0} values; the frame has {n:N0}.", nameof(destination));
        destination = destination[..n];
        float s = (float)slope, b = (float)intercept;
        bool direct = _element.Fragments is null && TransferSyntax.IsLittleEndian && BitConverter.IsLittleEndian && BitsAllocated == 16
            && (SamplesPerPixel == 1 || PlanarConfiguration == 0) && !IsNativeYbr422;
        if (direct)
        {
            int shift = Math.Max(0, HighBit + 1 - BitsStored);
            if (_element.IsValuePending)
            {
                // Pixel Data still in the file: read this frame into a pooled buffer rather than allocate (on the large
                // object heap) and keep the whole value; a series read then allocates nothing per slice.
                var rented = ArrayPool<byte>.Shared.Rent(FrameLength);
                try
                {
                    if (_element.TryReadPending((long)index * FrameLength, rented.AsSpan(0, FrameLength)))
                    {
                        RescaleInt16(MemoryMarshal.Cast<byte, short>(rented.AsSpan(0, FrameLength)), destination, s, b, BitsStored, shift, IsSigned);
                        return;
                    }
                }
                finally
                {
                    ArrayPool<byte>.Shared.Return(rented);
                }
            }
            var raw = MemoryMarshal.Cast<byte, short>(_element.RawValue.Span.Slice(index * FrameLength, FrameLength));
            RescaleInt16(raw, destination, s, b, BitsStored, shift, IsSigned);
            return;
        }
        var frame = GetFrame(index);
        switch (BitsAllocated)
        {
            case 16:
                // Stored values are already masked and sign-extended.
                RescaleInt16(MemoryMarshal.Cast<byte, short>(frame.AsSpan()), destination, s, b, 16, 0, IsSigned);
                return;
            case 1 or 8:
                for (int i = 0; i < n; i++) destination[i] = (IsSigned && BitsAllocated == 8 ? (sbyte)frame[i] : frame[i]) * s + b;
                return;
            default:
                for (int i = 0; i < n; i++) destination[i] = (float)(StoredValue(frame, i) * slope + intercept);
                return;
        }
    }

    /// <summary>
    /// 16-bit words to real values: keeps <paramref name="bitsStored"/> bits above <paramref name="shift"/>, sign-extends
    /// them when signed, then value × slope + intercept in single precision; Vector&lt;T&gt; wide where the hardware allows.
    /// </summary>
    private static void RescaleInt16(ReadOnlySpan<short> source, Span<float> destination, float slope, float intercept, int bitsStored, int shift, bool signed)
    {
        int n = destination.Length, i = 0;
        int up = 16 - bitsStored - shift;   // shift left so the value's top bit is bit 15, then back down by 16 − bitsStored
        int down = 16 - bitsStored;
        bool plain = bitsStored == 16 && shift == 0;
        if (Vector.IsHardwareAccelerated && n >= Vector<short>.Count)
        {
            var vs = new Vector<float>(slope);
            var vb = new Vector<float>(intercept);
            int w = Vector<short>.Count, half = Vector<int>.Count;
            for (; i <= n - w; i += w)
            {
                var v = new Vector<short>(source[i..]);
                Vector<int> lo, hi;
                if (signed)
                {
                    if (!plain) v = Vector.ShiftRightArithmetic(Vector.ShiftLeft(v, up), down);
                    Vector.Widen(v, out lo, out hi);
                }
                else
                {
                    var u = Vector.AsVectorUInt16(v);
                    if (!plain) u = Vector.ShiftRightLogical(Vector.ShiftLeft(u, up), down);
                    Vector.Widen(u, out Vector<uint> ulo, out Vector<uint> uhi);
                    lo = Vector.AsVectorInt32(ulo);
                    hi = Vector.AsVectorInt32(uhi);
                }
                (Vector.ConvertToSingle(lo) * vs + vb).CopyTo(destination[i..]);
                (Vector.ConvertToSingle(hi) * vs + vb).CopyTo(destination[(i + half)..]);
            }
        }
        for (; i < n; i++)
        {
            int v = signed ? (short)(source[i] << up) >> down : (ushort)(source[i] << up) >> down;
            destination[i] = v * slope + intercept;
        }
    }

    private long StoredValue(ReadOnlySpan<byte> frame, int i) => (BitsAllocated, IsSigned) switch
    {
        (1, _) or (8, false) => frame[i],
        (8, true) => (sbyte)frame[i],
        (16, false) => BinaryPrimitives.ReadUInt16LittleEndian(frame[(i * 2)..]),
        (16, true) => BinaryPrimitives.ReadInt16LittleEndian(frame[(i * 2)..]),
        (32, false) => BinaryPrimitives.ReadUInt32LittleEndian(frame[(i * 4)..]),
        _ => BinaryPrimitives.ReadInt32LittleEndian(frame[(i * 4)..]),
    };

    /// <summary>SHA-256 over every decoded frame in order (frame, row, column, sample), as <c>dicom dump --json</c> reports it.</summary>
    /// <returns>Lower-case hex.</returns>
    /// <exception cref="DicomFormatException">A frame is corrupt or unsupported.</exception>
    public string ComputeSha256()
    {
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        for (int f = 0; f < FrameCount; f++) hash.AppendData(GetFrame(f));
        return Convert.ToHexStringLower(hash.GetHashAndReset());
    }

    private void DecodeNative(int index, byte[] output)
    {
        var raw = _element.RawValue.Span;
        if (BitsAllocated == 1)
        {
            long firstBit = (long)index * Rows * Columns * SamplesPerPixel;
            for (int i = 0; i < output.Length; i++)
            {
                long bit = firstBit + i;
                output[i] = (byte)((raw[(int)(bit >> 3)] >> (int)(bit & 7)) & 1);
            }
            return;
        }
        var frame = raw.Slice(index * _encodedFrameLength, _encodedFrameLength);
        int swappedWidth = Math.Max(1, DicomVRInfo.SwapWidth(_element.VR));
        if (!TransferSyntax.IsLittleEndian && BitsAllocated > 1 && swappedWidth != BytesPerSample)
        {
            // The reader swapped big endian Pixel Data by its VR's width (16-bit words for OW); samples are BitsAllocated wide.
            var swapped = frame.ToArray();
            ReverseEach(swapped, swappedWidth);
            ReverseEach(swapped, BytesPerSample);
            frame = swapped;
        }
        if (IsNativeYbr422) ExpandYbr422(frame, output);
        else if (PlanarConfiguration == 1 && SamplesPerPixel > 1) Interleave(frame, output);
        else frame.CopyTo(output);
    }

    private static void ReverseEach(Span<byte> bytes, int width)
    {
        if (width <= 1) return;
        for (int i = 0; i + width <= bytes.Length; i += width) bytes.Slice(i, width).Reverse();
    }

    /// <summary>Y1 Y2 Cb Cr per pair of pixels → Y1 Cb Cr Y2 Cb Cr.</summary>
    private void ExpandYbr422(ReadOnlySpan<byte> encoded, Span<byte> output)
    {
        int bps = BytesPerSample, pairs = Rows * Columns / 2;
        for (int p = 0; p < pairs; p++)
        {
            var src = encoded.Slice(p * 4 * bps, 4 * bps);
            var dst = output.Slice(p * 6 * bps, 6 * bps);
            src[..bps].CopyTo(dst);
            src.Slice(2 * bps, 2 * bps).CopyTo(dst[bps..]);
            src.Slice(bps, bps).CopyTo(dst[(3 * bps)..]);
            src.Slice(2 * bps, 2 * bps).CopyTo(dst[(4 * bps)..]);
        }
    }

    private void Interleave(ReadOnlySpan<byte> planar, Span<byte> output)
    {
        int pixels = Rows * Columns, bps = BytesPerSample, spp = SamplesPerPixel;
        for (int s = 0; s < spp; s++)
            for (int p = 0; p < pixels; p++)
                planar.Slice((s * pixels + p) * bps, bps).CopyTo(output[((p * spp + s) * bps)..]);
    }

    /// <summary>Keeps the <paramref name="bitsStored"/> bits above <paramref name="shift"/> of each sample and sign-extends them for Pixel Representation 1.</summary>
    private void NormaliseStoredValues(byte[] frame, int bitsStored, int shift)
    {
        if (BitsAllocated is 1 || (bitsStored == BitsAllocated && shift == 0)) return;
        int n = Rows * Columns * SamplesPerPixel;
        long mask = (1L << bitsStored) - 1;
        long sign = 1L << (bitsStored - 1);
        if (BitsAllocated == 16 && BitConverter.IsLittleEndian && !IsSigned)
        {
            var words = System.Runtime.InteropServices.MemoryMarshal.Cast<byte, ushort>(frame.AsSpan());
            ushort m = (ushort)mask;
            for (int i = 0; i < n; i++) words[i] = (ushort)((words[i] >> shift) & m);
            return;
        }
        for (int i = 0; i < n; i++)
        {
            long raw = BitsAllocated switch
            {
                8 => frame[i],
                16 => BinaryPrimitives.ReadUInt16LittleEndian(frame.AsSpan(i * 2)),
                _ => BinaryPrimitives.ReadUInt32LittleEndian(frame.AsSpan(i * 4)),
            };
            long v = (raw >> shift) & mask;
            if (IsSigned && (v & sign) != 0) v -= 1L << bitsStored;
            switch (BitsAllocated)
            {
                case 8: frame[i] = (byte)v; break;
                case 16: BinaryPrimitives.WriteUInt16LittleEndian(frame.AsSpan(i * 2), (ushort)v); break;
                default: BinaryPrimitives.WriteUInt32LittleEndian(frame.AsSpan(i * 4), (uint)v); break;
            }
        }
    }

    private Exception Corrupt(int frame, string codec, string detail) =>
        DicomFormatException.CorruptFrame(_dataset.SourceFile, frame, codec, detail, TransferSyntax.Uid);

    private void DecodeEncapsulated(int index, byte[] output)
    {
        var ts = TransferSyntax;
        bool rle = ts.Uid == TransferSyntax.RleLossless.Uid;
        bool jpegLossless = ts.Uid == TransferSyntax.JpegLosslessProcess14.Uid || ts.Uid == TransferSyntax.JpegLosslessProcess14Sv1.Uid;
        if (IsJpegDct)
        {
            DecodeJpegDct(index, output);
            return;
        }
        if (!rle && !jpegLossless && !IsJpegLs) throw DicomFormatException.UnsupportedCompression(_dataset.SourceFile, ts);
        var data = FrameBytes(index, rle);
        if (rle)
        {
            if (BitsAllocated == 1) throw Corrupt(index, "RLE", "1-bit RLE data is not supported");
            RleDecoder.Decode(data, output, Rows * Columns, SamplesPerPixel, BytesPerSample, d => Corrupt(index, "RLE", d));
            return;
        }
        int[][] planes;
        int precision, rows = Rows, columns = Columns;
        if (IsJpegLs) (planes, precision) = JpegLsDecoder.Decode(data, Rows, Columns, SamplesPerPixel, d => Corrupt(index, "JPEG-LS", d));
        else (planes, precision, rows, columns) = JpegLosslessDecoder.Decode(data, Rows, Columns, SamplesPerPixel, d => Corrupt(index, "JPEG lossless", d));
        if (rows != Rows || columns != Columns || planes.Length != SamplesPerPixel)
            throw Corrupt(index, "JPEG lossless", $"the JPEG frame is {columns}×{rows} with {planes.Length} components; the dataset says {Columns}×{Rows} with {SamplesPerPixel}");
        if (precision > BitsAllocated) throw Corrupt(index, "JPEG lossless", $"precision {precision} exceeds Bits Allocated {BitsAllocated}");
        int pixels = Rows * Columns, bps = BytesPerSample, spp = SamplesPerPixel;
        for (int s = 0; s < spp; s++)
        {
            var plane = planes[s];
            for (int p = 0; p < pixels; p++)
            {
                int at = (p * spp + s) * bps;
                int v = plane[p];
                output[at] = (byte)v;
                if (bps > 1) output[at + 1] = (byte)(v >> 8);
            }
        }
    }

    private void DecodeJpegDct(int index, byte[] output)
    {
        var data = FrameBytes(index, rle: false);
        var (planes, precision, isYCbCr) = JpegBaselineDecoder.Decode(data, Rows, Columns, SamplesPerPixel, d => Corrupt(index, "JPEG", d));
        if (precision > BitsAllocated) throw Corrupt(index, "JPEG", $"precision {precision} exceeds Bits Allocated {BitsAllocated}");
        int pixels = Rows * Columns, bps = BytesPerSample, spp = SamplesPerPixel;
        bool toRgb = spp == 3 && isYCbCr && DecodedPhotometricInterpretation == "RGB" && PhotometricInterpretation != "RGB";
        for (int p = 0; p < pixels; p++)
        {
            if (toRgb)
            {
                // JFIF YCbCr to RGB (ITU-T T.871 §7), full range.
                double y = planes[0][p], cb = planes[1][p] - 128, cr = planes[2][p] - 128;
                output[p * 3] = (byte)Math.Clamp(Math.Round(y + 1.402 * cr), 0, 255);
                output[p * 3 + 1] = (byte)Math.Clamp(Math.Round(y - 0.344136 * cb - 0.714136 * cr), 0, 255);
                output[p * 3 + 2] = (byte)Math.Clamp(Math.Round(y + 1.772 * cb), 0, 255);
                continue;
            }
            for (int s = 0; s < spp; s++)
            {
                int at = (p * spp + s) * bps;
                int v = planes[s][p];
                output[at] = (byte)v;
                if (bps > 1) output[at + 1] = (byte)(v >> 8);
            }
        }
    }

    private int DecodeJpeg2000(int index, byte[] output)
    {
        var data = FrameBytes(index, rle: false);
        var frame = Jpeg2000Decoder.Decode(data, Rows, Columns, SamplesPerPixel, d => Corrupt(index, "JPEG 2000", d),
            e => DicomFormatException.CodecLibraryMissing(_dataset.SourceFile, TransferSyntax, Jpeg2000Decoder.Library, "libopenjp2-7", e));
        if (frame.Precision > BitsAllocated) throw Corrupt(index, "JPEG 2000", $"precision {frame.Precision} exceeds Bits Allocated {BitsAllocated}");
        int pixels = Rows * Columns, bps = BytesPerSample, spp = SamplesPerPixel;
        for (int s = 0; s < spp; s++)
        {
            var plane = frame.Planes[s];
            switch (bps)
            {
                case 1:
                    for (int p = 0; p < pixels; p++) output[p * spp + s] = (byte)plane[p];
                    break;
                case 2:
                    for (int p = 0; p < pixels; p++) BinaryPrimitives.WriteInt16LittleEndian(output.AsSpan((p * spp + s) * 2), (short)plane[p]);
                    break;
                default:
                    for (int p = 0; p < pixels; p++) BinaryPrimitives.WriteInt32LittleEndian(output.AsSpan((p * spp + s) * 4), plane[p]);
                    break;
            }
        }
        return frame.Precision;
    }

    private byte[] FrameBytes(int index, bool rle)
    {
        var fr = _element.Fragments!;
        var fragments = fr.Fragments;
        if (fragments.Count == 0) throw Corrupt(index, "encapsulated", "there are no fragments");
        // Extended Offset Table (7FE0,0001) first, then the Basic Offset Table, then one fragment per frame, then JPEG SOI markers.
        if (_dataset.TryGetElement(DicomTag.ExtendedOffsetTable, out var eot) && eot.RawValue.Length >= 8 * FrameCount)
            return Range(index, i => (long)BinaryPrimitives.ReadUInt64LittleEndian(eot.RawValue.Span[(i * 8)..]));
        if (fr.BasicOffsetTable.Length >= 4 * FrameCount)
            return Range(index, i => BinaryPrimitives.ReadUInt32LittleEndian(fr.BasicOffsetTable.Span[(i * 4)..]));
        if (FrameCount == 1) return Concat(0, fragments.Count);
        if (fragments.Count == FrameCount) return fragments[index].ToArray();
        if (!rle)
        {
            var starts = new List<int>();
            for (int i = 0; i < fragments.Count; i++)
            {
                var f = fragments[i].Span;
                // JPEG SOI, JPEG 2000 SOC + SIZ, or a JP2 signature box.
                bool start = (f.Length >= 2 && f[0] == 0xFF && f[1] == 0xD8)
                    || (f.Length >= 4 && f[0] == 0xFF && f[1] == 0x4F && f[2] == 0xFF && f[3] == 0x51)
                    || (f.Length >= 8 && f[0] == 0 && f[1] == 0 && f[2] == 0 && f[3] == 0x0C && f[4] == 0x6A && f[5] == 0x50);
                if (start) starts.Add(i);
            }
            if (starts.Count == FrameCount)
                return Concat(starts[index], index + 1 < starts.Count ? starts[index + 1] : fragments.Count);
        }
        throw Corrupt(index, "encapsulated", $"{fragments.Count} fragments, no offset table, and {FrameCount} frames; cannot tell where frame {index} starts");

        byte[] Range(int frame, Func<int, long> offsetOf)
        {
            long start = offsetOf(frame);
            long end = frame + 1 < FrameCount ? offsetOf(frame + 1) : long.MaxValue;
            int first = -1, last = fragments.Count;
            for (int i = 0; i < fragments.Count; i++)
            {
                long o = fr.ItemOffsets[i];
                if (o == start) first = i;
                if (o >= end) { last = i; break; }
            }
            if (first < 0 || last <= first) throw Corrupt(frame, "encapsulated", $"the offset table points at byte {start}, which starts no fragment");
            return Concat(first, last);
        }

        byte[] Concat(int from, int to)
        {
            long total = 0;
            for (int i = from; i < to; i++) total += fragments[i].Length;
            var result = new byte[total];
            int at = 0;
            for (int i = from; i < to; i++)
            {
                fragments[i].Span.CopyTo(result.AsSpan(at));
                at += fragments[i].Length;
            }
            return result;
        }
    }
}
