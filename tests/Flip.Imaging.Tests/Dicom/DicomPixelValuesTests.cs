using System.Buffers.Binary;
using Flip.Imaging.Dicom;

namespace Flip.Imaging.Tests.Dicom;

/// <summary>GetFrameValues: the vectorised 16-bit path, frames read from the file into pooled buffers, and every other path agree with stored value × slope + intercept.</summary>
public sealed class DicomPixelValuesTests : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("flip-pixelvalues-").FullName;

    public void Dispose() => Directory.Delete(_folder, true);

    /// <summary>Writes 2 frames of 160×256 16-bit words (80 KiB each, so Pixel Data is left in the file) with random bits everywhere.</summary>
    private string Write(int bitsStored, int highBit, bool signed, out ushort[] words)
    {
        const int rows = 160, columns = 256, frames = 2;
        words = new ushort[rows * columns * frames];
        var rng = new Random(bitsStored * 100 + highBit + (signed ? 1 : 0));
        for (int i = 0; i < words.Length; i++) words[i] = (ushort)rng.Next(65536);
        words[0] = 0xFFFF;
        words[1] = 0x0000;
        var bytes = new byte[words.Length * 2];
        for (int i = 0; i < words.Length; i++) BinaryPrimitives.WriteUInt16LittleEndian(bytes.AsSpan(i * 2), words[i]);
        var ds = new DicomDataset();
        ds.SetString(DicomTag.SopClassUid, DicomVR.UI, "1.2.840.10008.5.1.4.1.1.4");
        ds.SetString(DicomTag.SopInstanceUid, DicomVR.UI, "1.2.826.0.1.3680043.2.1125.9");
        ds.SetUInt16(DicomTag.SamplesPerPixel, 1);
        ds.SetString(DicomTag.PhotometricInterpretation, DicomVR.CS, "MONOCHROME2");
        ds.SetString(DicomTag.NumberOfFrames, DicomVR.IS, frames.ToString(System.Globalization.CultureInfo.InvariantCulture));
        ds.SetUInt16(DicomTag.Rows, rows);
        ds.SetUInt16(DicomTag.Columns, columns);
        ds.SetUInt16(DicomTag.BitsAllocated, 16);
        ds.SetUInt16(DicomTag.BitsStored, (ushort)bitsStored);
        ds.SetUInt16(DicomTag.HighBit, (ushort)highBit);
        ds.SetUInt16(DicomTag.PixelRepresentation, (ushort)(signed ? 1 : 0));
        ds.SetDecimal(DicomTag.RescaleSlope, 0.25);
        ds.SetDecimal(DicomTag.RescaleIntercept, -7.5);
        ds.SetBytes(DicomTag.PixelData, DicomVR.OW, bytes);
        var path = Path.Combine(_folder, $"v{bitsStored}-{highBit}-{signed}.dcm");
        DicomWriter.Save(ds, path);
        return path;
    }

    [Theory]
    [InlineData(16, 15, true)]
    [InlineData(16, 15, false)]
    [InlineData(12, 11, true)]
    [InlineData(12, 11, false)]
    [InlineData(12, 13, true)]
    [InlineData(10, 14, false)]
    public void GetFrameValues_is_stored_value_times_slope_plus_intercept_lazy_or_not(int bitsStored, int highBit, bool signed)
    {
        // Given a file whose words hold bits outside Bits Stored
        var path = Write(bitsStored, highBit, signed, out var words);
        int shift = highBit + 1 - bitsStored, n = 160 * 256;

        foreach (bool lazy in new[] { true, false })
        {
            // When its frames are decoded to real values
            var file = DicomFile.Open(path, new DicomReadOptions { LazyPixelData = lazy });
            var pixels = DicomPixelData.Create(file);
            for (int f = 0; f < 2; f++)
            {
                var values = pixels.GetFrameValues(f);

                // Then each is the stored value (Bits Stored bits above High Bit's shift, sign-extended) × 0.25 − 7.5, in single precision
                for (int i = 0; i < n; i++)
                {
                    int v = (words[f * n + i] >> shift) & ((1 << bitsStored) - 1);
                    if (signed && v >= 1 << (bitsStored - 1)) v -= 1 << bitsStored;
                    float expected = v * 0.25f + -7.5f;
                    if (values[i] != expected) Assert.Fail($"lazy {lazy}, frame {f}, value {i}: {values[i]}; expected {expected}");
                }
            }

            // And a file's Pixel Data left on disk is read per frame, not kept
            Assert.Equal(lazy, file.Dataset.GetElement(DicomTag.PixelData).IsValuePending);
        }
    }

    [Fact]
    public void GetFrameValues_into_a_short_buffer_is_refused()
    {
        var pixels = DicomPixelData.Create(DicomFile.Open(Write(16, 15, true, out _)));
        var e = Assert.Throws<ArgumentException>(() => pixels.GetFrameValues(0, new float[100]));
        Assert.StartsWith("the destination holds 100 values; the frame has 40,960.", e.Message, StringComparison.Ordinal);
    }
}
