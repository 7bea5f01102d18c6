using System.Buffers.Binary;
using System.Globalization;
using System.Text;

namespace Flip.Imaging.Tests;

/// <summary>A small synthetic image written as a dcmtk dump plus raw pixel bytes, then turned into DICOM by dump2dcm.</summary>
internal sealed record SyntheticImage(int Rows, int Columns, int Frames, int SamplesPerPixel, int BitsAllocated, int BitsStored, bool Signed, int PlanarConfiguration = 0, string? Photometric = null)
{
    /// <summary>Stored values in frame, row, column, sample order (interleaved).</summary>
    public long[] Values()
    {
        int n = Rows * Columns * Frames * SamplesPerPixel;
        var values = new long[n];
        var rng = new Random(1234);
        long max = (1L << BitsStored) - 1, min = 0;
        if (Signed)
        {
            max = (1L << (BitsStored - 1)) - 1;
            min = -(1L << (BitsStored - 1));
        }
        for (int i = 0; i < n; i++)
        {
            int pixel = i / SamplesPerPixel;
            int x = pixel % Columns, y = pixel / Columns % Rows;
            long smooth = (long)((x * 7 + y * 13 + pixel / (Rows * Columns) * 50) % (max - min + 1) + min);
            long v = i % 17 == 0 ? rng.NextInt64(min, max + 1) : smooth;
            values[i] = Math.Clamp(v, min, max);
        }
        // Extremes, so wrap-around and sign handling are exercised.
        values[0] = min;
        values[^1] = max;
        return values;
    }

    /// <summary>The native little-endian pixel bytes in the file's planar configuration.</summary>
    public byte[] NativeBytes()
    {
        var values = Values();
        int bps = BitsAllocated / 8;
        var bytes = new byte[values.Length * bps];
        int pixelsPerFrame = Rows * Columns;
        for (int i = 0; i < values.Length; i++)
        {
            int frame = i / (pixelsPerFrame * SamplesPerPixel);
            int within = i % (pixelsPerFrame * SamplesPerPixel);
            int pixel = within / SamplesPerPixel, sample = within % SamplesPerPixel;
            int at = PlanarConfiguration == 1
                ? frame * pixelsPerFrame * SamplesPerPixel + sample * pixelsPerFrame + pixel
                : i;
            Write(bytes, at, bps, values[i]);
        }
        return bytes;
    }

    private static void Write(byte[] bytes, int at, int bps, long value)
    {
        if (bps == 1) bytes[at] = (byte)value;
        else if (bps == 2) BinaryPrimitives.WriteUInt16LittleEndian(bytes.AsSpan(at * 2), (ushort)value);
        else BinaryPrimitives.WriteUInt32LittleEndian(bytes.AsSpan(at * 4), (uint)value);
    }

    /// <summary>The expected decoded frame bytes: interleaved, little endian, stored values.</summary>
    public byte[] ExpectedFrame(int frame)
    {
        var values = Values();
        int bps = BitsAllocated / 8, n = Rows * Columns * SamplesPerPixel;
        var bytes = new byte[n * bps];
        for (int i = 0; i < n; i++)
        {
            Write(bytes, i, bps, values[frame * n + i]);
        }
        return bytes;
    }

    /// <summary>Writes the image as Explicit VR Little Endian DICOM with dump2dcm and returns its path.</summary>
    public string Write(string folder, string name)
    {
        File.WriteAllBytes(Path.Combine(folder, name + ".raw"), NativeBytes());
        var c = CultureInfo.InvariantCulture;
        var dump = new StringBuilder();
        dump.AppendLine("(0008,0016) UI [1.2.840.10008.5.1.4.1.1.4]");
        dump.AppendLine(c, $"(0008,0018) UI [1.2.3.{Math.Abs(name.GetHashCode(StringComparison.Ordinal))}]");
        dump.AppendLine("(0008,0060) CS [MR]");
        dump.AppendLine("(0020,000e) UI [1.2.3.99]");
        dump.AppendLine(c, $"(0028,0002) US {SamplesPerPixel}");
        dump.AppendLine(c, $"(0028,0004) CS [{Photometric ?? (SamplesPerPixel == 3 ? "RGB" : "MONOCHROME2")}]");
        if (SamplesPerPixel > 1) dump.AppendLine(c, $"(0028,0006) US {PlanarConfiguration}");
        if (Frames > 1) dump.AppendLine(c, $"(0028,0008) IS [{Frames}]");
        dump.AppendLine(c, $"(0028,0010) US {Rows}");
        dump.AppendLine(c, $"(0028,0011) US {Columns}");
        dump.AppendLine(c, $"(0028,0100) US {BitsAllocated}");
        dump.AppendLine(c, $"(0028,0101) US {BitsStored}");
        dump.AppendLine(c, $"(0028,0102) US {BitsStored - 1}");
        dump.AppendLine(c, $"(0028,0103) US {(Signed ? 1 : 0)}");
        dump.AppendLine("(0028,1052) DS [-1024]");
        dump.AppendLine("(0028,1053) DS [0.5]");
        if (Photometric == "PALETTE COLOR")
        {
            // A 256-entry grey ramp in each colour LUT; pydicom's pixel_array returns the indices, as we do.
            string ramp = string.Join('\\', Enumerable.Range(0, 256).Select(i => (i * 257).ToString("x4", c)));
            foreach (var lut in new[] { "1201", "1202", "1203" })
            {
                dump.AppendLine(c, $"(0028,{(int.Parse(lut, NumberStyles.HexNumber, c) - 0x100):x4}) US 256\\0\\16");
                dump.AppendLine(c, $"(0028,{lut}) OW {ramp}");
            }
        }
        dump.AppendLine(c, $"(7fe0,0010) {(BitsAllocated == 8 ? "OB" : "OW")} ={name}.raw");
        File.WriteAllText(Path.Combine(folder, name + ".dump"), dump.ToString());
        Dcmtk.Run("dump2dcm", folder, name + ".dump", name + ".dcm");
        return Path.Combine(folder, name + ".dcm");
    }
}
