using System.Diagnostics;

namespace Flip.Notebooks.Tests;

/// <summary>The inline slice PNG, checked by an independent reader: Python's zlib (chunk CRCs, the image stream).</summary>
public sealed class PngTests
{
    [Fact]
    public void Every_chunk_crc_and_the_image_stream_check_out_in_python_zlib()
    {
        // Given a 5x4 ramp with one outlined pixel, zoomed 2x
        float[] pixels = [.. Enumerable.Range(0, 20).Select(i => (float)i)];
        long[] mask = new long[20];
        mask[6] = 1;
        byte[] png = Png.GreyWithOutline(pixels, mask, 5, 4, 2);
        string file = Path.Combine(Path.GetTempPath(), $"flip-png-{Guid.NewGuid():N}.png");
        File.WriteAllBytes(file, png);
        try
        {
            // When Python walks its chunks
            const string Script = """
                import struct, sys, zlib
                b = open(sys.argv[1], 'rb').read()
                assert b[:8] == b'\x89PNG\r\n\x1a\n', 'signature'
                i, idat, bad = 8, b'', []
                while i < len(b):
                    n, = struct.unpack('>I', b[i:i+4]); t = b[i+4:i+8]; d = b[i+8:i+8+n]; c, = struct.unpack('>I', b[i+8+n:i+12+n])
                    if zlib.crc32(t + d) & 0xffffffff != c: bad.append(t.decode())
                    if t == b'IHDR': w, h = struct.unpack('>II', d[:8])
                    if t == b'IDAT': idat += d
                    i += 12 + n
                raw = zlib.decompress(idat)
                print(w, h, len(raw), 'bad:' + ','.join(bad))
                """;
            var start = new ProcessStartInfo("/usr/bin/python3") { RedirectStandardOutput = true, RedirectStandardError = true };
            start.ArgumentList.Add("-c");
            start.ArgumentList.Add(Script);
            start.ArgumentList.Add(file);
            using Process python = Process.Start(start)!;
            string output = python.StandardOutput.ReadToEnd().Trim();
            string error = python.StandardError.ReadToEnd();
            python.WaitForExit();

            // Then every CRC matches and the image is 10x8 RGB rows with a filter byte each
            Assert.True(python.ExitCode == 0, error);
            Assert.Equal($"10 8 {8 * (1 + (10 * 3))} bad:", output);
        }
        finally
        {
            File.Delete(file);
        }
    }
}
