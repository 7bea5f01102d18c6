using System.Buffers.Binary;
using System.IO.Compression;

namespace Flip.Reporting.Tests;

/// <summary>A minimal PNG reader for screenshots: 8-bit RGB or RGBA, non-interlaced (what Chromium writes).</summary>
internal sealed class Png
{
    private Png(int width, int height, byte[] rgb)
    {
        Width = width;
        Height = height;
        Rgb = rgb;
    }

    public int Width { get; }

    public int Height { get; }

    /// <summary>Three bytes per pixel, row by row.</summary>
    public byte[] Rgb { get; }

    public static Png Read(string path)
    {
        byte[] file = File.ReadAllBytes(path);
        byte[] signature = [137, 80, 78, 71, 13, 10, 26, 10];
        if (!file.AsSpan(0, 8).SequenceEqual(signature)) throw new InvalidDataException($"{path}: not a PNG file.");
        int width = 0, height = 0, channels = 0;
        using var idat = new MemoryStream();
        int offset = 8;
        while (offset + 8 <= file.Length)
        {
            int length = BinaryPrimitives.ReadInt32BigEndian(file.AsSpan(offset));
            string type = System.Text.Encoding.ASCII.GetString(file, offset + 4, 4);
            var data = file.AsSpan(offset + 8, length);
            if (type == "IHDR")
            {
                width = BinaryPrimitives.ReadInt32BigEndian(data);
                height = BinaryPrimitives.ReadInt32BigEndian(data[4..]);
                byte bitDepth = data[8], colorType = data[9], interlace = data[12];
                if (bitDepth != 8 || interlace != 0 || colorType is not (2 or 6))
                    throw new InvalidDataException($"{path}: PNG bit depth {bitDepth}, colour type {colorType}, interlace {interlace}; expected 8-bit RGB(A), not interlaced.");
                channels = colorType == 6 ? 4 : 3;
            }
            else if (type == "IDAT") idat.Write(data);
            else if (type == "IEND") break;
            offset += 12 + length;
        }
        idat.Position = 0;
        using var inflated = new MemoryStream();
        using (var z = new ZLibStream(idat, CompressionMode.Decompress)) z.CopyTo(inflated);
        byte[] raw = inflated.ToArray();
        int stride = width * channels;
        var current = new byte[stride];
        var previous = new byte[stride];
        var rgb = new byte[width * height * 3];
        for (int y = 0; y < height; y++)
        {
            int rowStart = y * (stride + 1);
            byte filter = raw[rowStart];
            for (int x = 0; x < stride; x++)
            {
                int a = x >= channels ? current[x - channels] : 0;
                int b = previous[x];
                int c = x >= channels ? previous[x - channels] : 0;
                int value = raw[rowStart + 1 + x];
                current[x] = (byte)(filter switch
                {
                    0 => value,
                    1 => value + a,
                    2 => value + b,
                    3 => value + ((a + b) >> 1),
                    4 => value + Paeth(a, b, c),
                    _ => throw new InvalidDataException($"{path}: row {y} has PNG filter {filter}; expected 0–4."),
                });
            }
            for (int x = 0; x < width; x++)
            {
                rgb[(y * width + x) * 3] = current[x * channels];
                rgb[(y * width + x) * 3 + 1] = current[x * channels + 1];
                rgb[(y * width + x) * 3 + 2] = current[x * channels + 2];
            }
            (previous, current) = (current, previous);
        }
        return new Png(width, height, rgb);
    }

    /// <summary>The standard deviation of luminance and the fraction of non-white pixels inside a rectangle.</summary>
    public (double LuminanceSd, double InkFraction) Measure(int left, int top, int width, int height)
    {
        int x0 = Math.Clamp(left, 0, Width), y0 = Math.Clamp(top, 0, Height);
        int x1 = Math.Clamp(left + width, 0, Width), y1 = Math.Clamp(top + height, 0, Height);
        double sum = 0, sumOfSquares = 0;
        long n = 0, ink = 0;
        for (int y = y0; y < y1; y++)
        {
            for (int x = x0; x < x1; x++)
            {
                int i = (y * Width + x) * 3;
                double l = 0.2126 * Rgb[i] + 0.7152 * Rgb[i + 1] + 0.0722 * Rgb[i + 2];
                sum += l;
                sumOfSquares += l * l;
                n++;
                if (l < 240) ink++;
            }
        }
        if (n == 0) return (0, 0);
        double mean = sum / n;
        return (Math.Sqrt(Math.Max(0, sumOfSquares / n - mean * mean)), (double)ink / n);
    }

    private static int Paeth(int a, int b, int c)
    {
        int p = a + b - c;
        int pa = Math.Abs(p - a), pb = Math.Abs(p - b), pc = Math.Abs(p - c);
        return pa <= pb && pa <= pc ? a : pb <= pc ? b : c;
    }
}
