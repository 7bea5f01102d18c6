using CsCheck;
using Flip.Imaging.Dicom;

namespace Flip.Imaging.Tests.Dicom;

/// <summary>Corrupt compressed frames raise only <see cref="DicomFormatException"/> from the decoders.</summary>
[Collection("dcmtk")]
public sealed class CompressedPixelMutationPropertyTests(DcmtkFixture files)
{
    public static TheoryData<string, string> Codecs() => new()
    {
        { "mono12", "dcmcrle" },
        { "mono12", "dcmcjpeg +e1" },
        { "mono12", "dcmcjpeg +ee" },
        { "rgb8", "dcmcjpeg +eb" },
        { "rgb8", "dcmcjpeg +el +sv 7" },
        { "rgb8", "dcmcrle" },
        { "mono12", "dcmcjpls" },
        { "mono12", "dcmcjpls +en +md 3" },
        { "rgb8", "dcmcjpls" },
    };

    [Theory]
    [MemberData(nameof(Codecs))]
    public void Mutated_frames_raise_only_DicomFormatException(string imageName, string command)
    {
        // Given a compressed image made by dcmtk
        var image = imageName == "mono12" ? new SyntheticImage(48, 64, 2, 1, 16, 12, false) : new SyntheticImage(24, 30, 1, 3, 8, 8, false);
        var folder = Directory.CreateDirectory(Path.Combine(files.Folder, "cmut-" + Guid.NewGuid().ToString("N"))).FullName;
        var parts = command.Split(' ');
        Dcmtk.Run(parts[0], folder, [.. parts[1..], image.Write(folder, imageName), "c.dcm"]);
        var original = File.ReadAllBytes(Path.Combine(folder, "c.dcm"));
        var pixelStart = (int)DicomFile.Parse(original).Dataset.GetElement(DicomTag.PixelData).Offset;

        // When bytes inside the pixel data are changed, then decoding either works or raises DicomFormatException
        DecodeMutants(original, pixelStart, iterations: 1500);
    }

    [Theory]
    [InlineData("MR_small_jp2klossless.dcm")]
    [InlineData("SC_rgb_gdcm_KY.dcm")]
    [InlineData("693_J2KI.dcm")]
    public void Mutated_JPEG_2000_frames_raise_only_DicomFormatException(string name)
    {
        // Given a JPEG 2000 file from pydicom's test files (dcmtk does not write JPEG 2000)
        var original = File.ReadAllBytes(Path.Combine(PydicomPixelOracleTests.TestFiles, name));
        var pixelStart = (int)DicomFile.Parse(original).Dataset.GetElement(DicomTag.PixelData).Offset;

        // When bytes inside the code stream are changed, then OpenJPEG either decodes it or we raise DicomFormatException
        DecodeMutants(original, pixelStart, iterations: 300);
    }

    /// <summary>Flips 1–3 bytes at a time from <paramref name="pixelStart"/> on and decodes every frame: only <see cref="DicomFormatException"/> may escape.</summary>
    private static void DecodeMutants(byte[] original, int pixelStart, int iterations) =>
        Gen.Select(Gen.Int[pixelStart, original.Length - 1], Gen.Byte, Gen.Int[1, 3]).Sample((at, value, count) =>
        {
            var bytes = (byte[])original.Clone();
            for (int i = 0; i < count && at + i < bytes.Length; i++) bytes[at + i] ^= (byte)(value | 1);
            try
            {
                var pixels = DicomPixelData.Create(DicomFile.Parse(bytes, "mutant.dcm"));
                for (int f = 0; f < pixels.FrameCount; f++) pixels.GetFrame(f);
            }
            catch (DicomFormatException)
            {
                // Allowed.
            }
        }, iter: iterations);
}
