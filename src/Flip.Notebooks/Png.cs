using System.Buffers.Binary;
using System.IO.Compression;
using System.IO.Hashing;

namespace Flip.Notebooks;

/// <summary>A minimal PNG encoder (8-bit RGB, no filter) for showing image slices inline.</summary>
internal static class Png
{
    public static byte[] GreyWithOutline(float[] pixels, long[] mask, int width, int height, int zoom)
    {
        float min = pixels.Min(), max = pixels.Max();
        float range = max > min ? max - min : 1;
        int w = width * zoom, h = height * zoom;
        var raw = new byte[h * (1 + w * 3)];
        for (int y = 0; y < h; y++)
        {
            int row = y * (1 + w * 3);
            raw[row] = 0;
            for (int x = 0; x < w; x++)
            {
                int sx = x / zoom, sy = y / zoom, i = sy * width + sx;
                byte g = (byte)Math.Clamp((pixels[i] - min) / range * 255f, 0f, 255f);
                bool edge = mask[i] > 0 && (sx == 0 || sy == 0 || sx == width - 1 || sy == height - 1
                    || mask[i - 1] == 0 || mask[i + 1] == 0 || mask[i - width] == 0 || mask[i + width] == 0);
                int at = row + 1 + x * 3;
                (raw[at], raw[at + 1], raw[at + 2]) = edge ? ((byte)230, (byte)159, (byte)0) : (g, g, g);
            }
        }

        using var output = new MemoryStream();
        output.Write([137, 80, 78, 71, 13, 10, 26, 10]);
        var header = new byte[13];
        BinaryPrimitives.WriteInt32BigEndian(header, w);
        BinaryPrimitives.WriteInt32BigEndian(header.AsSpan(4), h);
        header[8] = 8;
        header[9] = 2;
        Chunk(output, "IHDR", header);
        using (var compressed = new MemoryStream())
        {
            using (var z = new ZLibStream(compressed, CompressionLevel.Optimal, leaveOpen: true))
            {
                z.Write(raw);
            }

            Chunk(output, "IDAT", compressed.ToArray());
        }

        Chunk(output, "IEND", []);
        return output.ToArray();
    }

    private static void Chunk(Stream output, string type, byte[] data)
    {
        Span<byte> length = stackalloc byte[4];
        BinaryPrimitives.WriteInt32BigEndian(length, data.Length);
        output.Write(length);
        byte[] typeBytes = System.Text.Encoding.ASCII.GetBytes(type);
        output.Write(typeBytes);
        output.Write(data);
        var crc = new Crc32();
        crc.Append(typeBytes);
        crc.Append(data);
        Span<byte> sum = stackalloc byte[4];
        BinaryPrimitives.WriteUInt32BigEndian(sum, crc.GetCurrentHashAsUInt32());
        output.Write(sum);
    }
}
