using Flip.Imaging.Dicom;

namespace Flip.Imaging.Tests.Dicom;

[Collection("dcmtk")]
public sealed class DicomPixelDataTests(DcmtkFixture files)
{
    private static readonly SyntheticImage Mono12 = new(48, 64, 3, 1, 16, 12, Signed: false);
    private static readonly SyntheticImage Signed16 = new(32, 40, 1, 1, 16, 16, Signed: true);
    private static readonly SyntheticImage Rgb8 = new(24, 30, 2, 3, 8, 8, Signed: false);
    private static readonly SyntheticImage Rgb8Planar = new(24, 30, 1, 3, 8, 8, Signed: false, PlanarConfiguration: 1);

    public static TheoryData<string, string> Cases()
    {
        var data = new TheoryData<string, string>();
        foreach (var image in new[] { "mono12", "signed16", "rgb8", "rgb8planar" })
        {
            data.Add(image, "native");
            data.Add(image, "dcmcrle");
            data.Add(image, "dcmcjpeg +e1");
            data.Add(image, "dcmcjpeg +el +sv 4 -ot +fs 1");
            data.Add(image, "dcmcjpls");
            if (image == "rgb8") data.Add(image, "dcmcjpls +in");
            for (int sv = 1; sv <= 7; sv++) data.Add(image, $"dcmcjpeg +el +sv {sv}");
        }
        data.Add("mono12", "dcmcjpeg +el +sv 1 +pt 2");
        return data;
    }

    private static SyntheticImage Image(string name) => name switch
    {
        "mono12" => Mono12,
        "signed16" => Signed16,
        "rgb8" => Rgb8,
        _ => Rgb8Planar,
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public void GetFrame_decodes_dcmtk_output_to_the_original_stored_values(string imageName, string command)
    {
        // Given an image written natively, then re-encoded by a dcmtk tool
        var image = Image(imageName);
        var folder = Directory.CreateDirectory(Path.Combine(files.Folder, "pixels-" + Guid.NewGuid().ToString("N"))).FullName;
        var path = image.Write(folder, imageName);
        if (command != "native")
        {
            var parts = command.Split(' ');
            Dcmtk.Run(parts[0], folder, [.. parts[1..], path, "encoded.dcm"]);
            path = Path.Combine(folder, "encoded.dcm");
        }
        bool pointTransform = command.Contains("+pt", StringComparison.Ordinal);

        // When
        var file = DicomFile.Open(path);
        var pixels = DicomPixelData.Create(file);

        // Then
        Assert.Equal(command == "native", !file.TransferSyntax.IsEncapsulated);
        Assert.Equal(image.Frames, pixels.FrameCount);
        for (int f = 0; f < image.Frames; f++)
        {
            var expected = image.ExpectedFrame(f);
            var actual = pixels.GetFrame(f);
            if (pointTransform)
            {
                // Point transform 2 drops the two low bits (ITU-T T.81 H.1.2.2).
                for (int i = 0; i < expected.Length; i += 2) expected[i] &= 0xFC;
            }
            Assert.Equal(expected, actual);
        }
    }

    [Fact]
    public void GetFrameValues_applies_rescale_slope_and_intercept_to_signed_values()
    {
        var folder = Directory.CreateDirectory(Path.Combine(files.Folder, "rescale")).FullName;
        var file = DicomFile.Open(Signed16.Write(folder, "s"));
        var pixels = DicomPixelData.Create(file);
        var values = pixels.GetFrameValues(0);
        // First value is the minimum, -32768: -32768 × 0.5 − 1024 = -17408.
        Assert.Equal(-17408f, values[0]);
        // Last value is the maximum, 32767: 32767 × 0.5 − 1024 = 15359.5.
        Assert.Equal(15359.5f, values[^1]);
        Assert.Equal(-1024, pixels.RescaleIntercept);
        Assert.True(pixels.IsSigned);
    }

    [Fact]
    public void ComputeSha256_is_the_same_for_native_and_compressed_copies()
    {
        var folder = Directory.CreateDirectory(Path.Combine(files.Folder, "sha")).FullName;
        var native = Mono12.Write(folder, "m");
        Dcmtk.Run("dcmcrle", folder, native, "rle.dcm");
        Dcmtk.Run("dcmcjpeg", folder, "+e1", native, "jpeg.dcm");
        var expected = Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(
            Enumerable.Range(0, 3).SelectMany(Mono12.ExpectedFrame).ToArray()));
        Assert.Equal(expected, DicomPixelData.Create(DicomFile.Open(native)).ComputeSha256());
        Assert.Equal(expected, DicomPixelData.Create(DicomFile.Open(Path.Combine(folder, "rle.dcm"))).ComputeSha256());
        Assert.Equal(expected, DicomPixelData.Create(DicomFile.Open(Path.Combine(folder, "jpeg.dcm"))).ComputeSha256());
    }

    [Fact]
    public void GetFrame_names_the_syntax_and_the_conversion_command_for_unsupported_compression()
    {
        // Given JPEG-LS data relabelled as High-Throughput JPEG 2000, which this reader does not decode (only the transfer syntax matters here)
        var folder = Directory.CreateDirectory(Path.Combine(files.Folder, "j2k")).FullName;
        var native = new SyntheticImage(16, 16, 1, 1, 8, 8, false).Write(folder, "b");
        Dcmtk.Run("dcmcjpls", folder, native, "jpegls.dcm");
        var jpegls = DicomFile.Open(Path.Combine(folder, "jpegls.dcm"));
        var relabelled = new DicomFile(jpegls.Dataset, TransferSyntax.FromUid("1.2.840.10008.1.2.4.201"));
        var pixels = DicomPixelData.Create(relabelled);

        // Then
        Assert.False(pixels.CanDecode);
        var e = Assert.Throws<DicomFormatException>(() => pixels.GetFrame(0));
        Assert.Equal("jpegls.dcm: pixel data is compressed as unknown transfer syntax 1.2.840.10008.1.2.4.201 (1.2.840.10008.1.2.4.201), which this reader does not decode; expected native, RLE Lossless, JPEG Lossless (Process 14), JPEG baseline/extended, JPEG-LS or JPEG 2000.", e.Message);
        Assert.Contains("gdcmconv --raw", e.Fix, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("mono12", 0, "+il")]
    [InlineData("mono12", 3, "+il")]
    [InlineData("gray8", 2, "+il")]
    [InlineData("signed16", 0, "+il")]
    [InlineData("mono12", 8, "+in")]
    [InlineData("rgb8", 2, "+il")]
    [InlineData("rgb8", 1, "+in")]
    [InlineData("rgb8planar", 0, "+in")]
    [InlineData("rgb8planar", 3, "+il")]
    public void GetFrame_decodes_near_lossless_JPEG_LS_exactly_like_dcmdjpls(string imageName, int near, string interleave)
    {
        var image = imageName == "gray8" ? new SyntheticImage(40, 56, 2, 1, 8, 8, false) : Image(imageName);
        var folder = Directory.CreateDirectory(Path.Combine(files.Folder, "jls-" + Guid.NewGuid().ToString("N"))).FullName;
        var native = image.Write(folder, imageName);
        Dcmtk.Run("dcmcjpls", folder, near == 0 ? ["+el", interleave, native, "c.dcm"] : ["+en", "+md", near.ToString(System.Globalization.CultureInfo.InvariantCulture), interleave, native, "c.dcm"]);
        Dcmtk.Run("dcmdjpls", folder, "c.dcm", "reference.dcm");
        var reference = DicomPixelData.Create(DicomFile.Open(Path.Combine(folder, "reference.dcm")));
        var pixels = DicomPixelData.Create(DicomFile.Open(Path.Combine(folder, "c.dcm")));
        Assert.True(pixels.CanDecode);
        for (int f = 0; f < pixels.FrameCount; f++) Assert.Equal(reference.GetFrame(f), pixels.GetFrame(f));
    }

    [Fact]
    public void JPEG_LS_lossless_from_pydicoms_test_files_equals_the_uncompressed_original()
    {
        var folder = PydicomPixelOracleTests.TestFiles;
        var original = DicomPixelData.Create(DicomFile.Open(Path.Combine(folder, "MR_small.dcm")));
        var jpegLs = DicomPixelData.Create(DicomFile.Open(Path.Combine(folder, "MR_small_jpeg_ls_lossless.dcm")));
        Assert.Equal(TransferSyntax.JpegLsLossless.Uid, jpegLs.TransferSyntax.Uid);
        Assert.Equal(original.GetFrame(0), jpegLs.GetFrame(0));
    }

    public static TheoryData<string, string, int> LossyCases() => new()
    {
        { "gray8", "+eb", 2 },
        { "gray12", "+ee", 2 },
        { "rgb8", "+eb", 3 },
        { "rgb8", "+eb +s4", 3 },
    };

    [Theory]
    [MemberData(nameof(LossyCases))]
    public void GetFrame_decodes_lossy_JPEG_like_dcmdjpeg(string imageName, string options, int tolerance)
    {
        // Given a lossy JPEG made by dcmcjpeg and dcmtk's own decompression of it
        var image = imageName switch
        {
            "gray8" => new SyntheticImage(40, 56, 2, 1, 8, 8, false),
            "gray12" => new SyntheticImage(33, 47, 1, 1, 16, 12, false),
            _ => new SyntheticImage(24, 30, 1, 3, 8, 8, false),
        };
        var folder = Directory.CreateDirectory(Path.Combine(files.Folder, "lossy-" + Guid.NewGuid().ToString("N"))).FullName;
        var native = image.Write(folder, imageName);
        Dcmtk.Run("dcmcjpeg", folder, [.. options.Split(' '), native, "lossy.dcm"]);
        Dcmtk.Run("dcmdjpeg", folder, "lossy.dcm", "reference.dcm");
        var reference = DicomPixelData.Create(DicomFile.Open(Path.Combine(folder, "reference.dcm")));

        // When
        var pixels = DicomPixelData.Create(DicomFile.Open(Path.Combine(folder, "lossy.dcm")));

        // Then every sample is within the tolerance of dcmtk's (IDCT rounding differs between decoders)
        Assert.True(pixels.CanDecode);
        Assert.Equal(reference.PhotometricInterpretation, pixels.DecodedPhotometricInterpretation);
        for (int f = 0; f < pixels.FrameCount; f++)
        {
            var ours = pixels.GetFrameValues(f, 1, 0);
            var theirs = reference.GetFrameValues(f, 1, 0);
            Assert.Equal(theirs.Length, ours.Length);
            double worst = ours.Zip(theirs, (a, b) => Math.Abs(a - b)).Max();
            Assert.True(worst <= tolerance, $"frame {f}: largest difference from dcmdjpeg is {worst}");
        }
    }

    [Fact]
    public void Create_reports_pixel_data_shorter_than_the_image_attributes_need()
    {
        var ds = new DicomDataset();
        ds.SetUInt16(DicomTag.Rows, 10);
        ds.SetUInt16(DicomTag.Columns, 10);
        ds.SetUInt16(DicomTag.BitsAllocated, 16);
        ds.SetBytes(DicomTag.PixelData, DicomVR.OW, new byte[20]);
        var e = Assert.Throws<DicomFormatException>(() => DicomPixelData.Create(ds, TransferSyntax.ExplicitVrLittleEndian));
        Assert.Contains("20 bytes of pixel data; expected 200 (1 frames × 10 rows × 10 columns × 1 samples × 16 bits).", e.Message);
    }
}
