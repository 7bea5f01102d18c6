namespace Flip.Imaging.Dicom;

/// <summary>RLE Lossless decoder (PS3.5 Annex G): PackBits segments, one per byte plane of each sample.</summary>
internal static class RleDecoder
{
    /// <summary>Decodes one frame into <paramref name="output"/>: samples interleaved, each little endian in <paramref name="bytesPerSample"/> bytes.</summary>
    public static void Decode(ReadOnlySpan<byte> frame, Span<byte> output, int pixels, int samplesPerPixel, int bytesPerSample, Func<string, Exception> corrupt)
    {
        if (frame.Length < 64) throw corrupt($"RLE header needs 64 bytes, found {frame.Length}");
        uint segments = BitConverter.IsLittleEndian ? BitConverter.ToUInt32(frame) : System.Buffers.Binary.BinaryPrimitives.ReadUInt32LittleEndian(frame);
        int expected = samplesPerPixel * bytesPerSample;
        if (segments != expected || segments > 15) throw corrupt($"RLE header lists {segments} segments; expected {expected} ({samplesPerPixel} samples × {bytesPerSample} bytes)");
        Span<int> offsets = stackalloc int[17];
        for (int i = 0; i < segments; i++)
        {
            uint o = System.Buffers.Binary.BinaryPrimitives.ReadUInt32LittleEndian(frame[(4 + 4 * i)..]);
            if (o < 64 || o > frame.Length) throw corrupt($"RLE segment {i} starts at {o}, outside the frame's {frame.Length} bytes");
            offsets[i] = (int)o;
        }
        offsets[(int)segments] = frame.Length;
        int stride = samplesPerPixel * bytesPerSample;
        for (int seg = 0; seg < segments; seg++)
        {
            int sample = seg / bytesPerSample;
            int plane = seg % bytesPerSample; // 0 = most significant byte
            int byteInValue = bytesPerSample - 1 - plane;
            int end = offsets[seg + 1] >= offsets[seg] ? offsets[seg + 1] : frame.Length;
            var src = frame[offsets[seg]..end];
            int outIndex = 0, i = 0;
            int first = sample * bytesPerSample + byteInValue;
            while (outIndex < pixels && i < src.Length)
            {
                int n = (sbyte)src[i++];
                if (n >= 0)
                {
                    int count = n + 1;
                    if (i + count > src.Length) throw corrupt($"RLE segment {seg}: literal run of {count} bytes passes the segment end");
                    for (int k = 0; k < count && outIndex < pixels; k++) output[first + outIndex++ * stride] = src[i + k];
                    i += count;
                }
                else if (n != -128)
                {
                    if (i >= src.Length) throw corrupt($"RLE segment {seg}: repeat run without its byte");
                    byte b = src[i++];
                    int count = 1 - n;
                    for (int k = 0; k < count && outIndex < pixels; k++) output[first + outIndex++ * stride] = b;
                }
            }
            if (outIndex < pixels) throw corrupt($"RLE segment {seg} decodes to {outIndex} bytes; expected {pixels}");
        }
    }
}
