using System.Buffers.Binary;
using System.Security.Cryptography;
using Flip.Imaging.Dicom;
using Xunit.Abstractions;

namespace Flip.Imaging.Tests.Dicom;

/// <summary>JPEG 2000 (1.2.840.10008.1.2.4.90 / .91) decoded through OpenJPEG (Debian's libopenjp2-7), checked against pydicom.</summary>
[Collection("dcmtk")]
public sealed class Jpeg2000Tests(DcmtkFixture fixture, ITestOutputHelper output)
{
    private static string TestFile(string name) => Path.Combine(PydicomPixelOracleTests.TestFiles, name);

    /// <summary>
    /// SHA-256 of pydicom's <c>pixel_array</c> (little endian, frame/row/column/sample order) with Pillow's JPEG 2000 plugin,
    /// recorded with Debian 12's python3-pydicom 2.3.1 and python3-pil 9.4.0 (OpenJPEG 2.5.0):
    /// <c>pydicom_pixels.py OUT --handlers all FILE</c>, then <c>sha256sum OUT/FILE.raw</c>. test.sh does not install
    /// python3-pil, so the test compares live when pydicom decodes the file here and against this record otherwise.
    /// </summary>
    public static TheoryData<string, string, int> PydicomWithPillow() => new()
    {
        // file, SHA-256, largest difference allowed from pydicom + Pillow (both decode with OpenJPEG)
        { "693_J2KI.dcm", "f249f833d5e3cbc361b4ced94aeeb8db7fc7376087b9f395a2ccf2f6f3059268", 0 }, // lossy, signed 16-bit, Bits Stored 14
        { "JPEG2000.dcm", "0b1224a6dcd0dcebb1ae6966270b620a8aecc3e20d7fe5b01504e574e1814ac6", 0 }, // lossy, 256×1024 signed 16-bit
        { "SC_rgb_gdcm_KY.dcm", "169e619557b12114a7f0be8602026e9abb3d5045804311736ec14cecb026aca9", 0 }, // lossy RGB 8-bit
        { "J2K_pixelrep_mismatch.dcm", "1296350a0006ef6908ce4aa11717e3e8a236b63478a097bbfb45ac7a5fca6359", 0 }, // lossless; unsigned code stream, Pixel Representation 1
        { "MR_small_jp2klossless.dcm", "88617aaa46138fb1b6e2a951e762d962382354d69f47f8c04d4abff2f6a6a63e", 0 }, // lossless, signed 16-bit
    };

    [Theory]
    [MemberData(nameof(PydicomWithPillow))]
    public void JPEG_2000_files_decode_to_pydicoms_values(string name, string sha256, int maxDifference)
    {
        // Given a JPEG 2000 file from pydicom's test files
        var path = TestFile(name);

        // When we decode it
        var pixels = DicomPixelData.Create(DicomFile.Open(path));
        Assert.True(pixels.CanDecode);
        var ours = Enumerable.Range(0, pixels.FrameCount).SelectMany(pixels.GetFrame).ToArray();

        // Then it matches pydicom + Pillow: live when Pillow is here, else its recorded output
        var folder = Directory.CreateDirectory(Path.Combine(fixture.Folder, "j2k-" + Guid.NewGuid().ToString("N"))).FullName;
        var live = PydicomPixelOracleTests.RunPydicom(folder, [path], allHandlers: true)[name];
        if (!live.TryGetProperty("error", out _))
        {
            var theirs = File.ReadAllBytes(Path.Combine(folder, name + ".raw"));
            int difference = MaxDifference(ours, theirs, pixels.BitsAllocated / 8, pixels.IsSigned);
            output.WriteLine($"{name}: largest difference from pydicom + Pillow (live) {difference}");
            Assert.True(difference <= maxDifference, $"{name}: largest difference from pydicom + Pillow is {difference}; allowed {maxDifference}");
        }
        if (maxDifference == 0) Assert.Equal(sha256, Convert.ToHexStringLower(SHA256.HashData(ours)));
    }

    [Fact]
    public void Lossless_JPEG_2000_is_bit_exact_with_pydicoms_decode_of_the_uncompressed_original()
    {
        // Given MR_small.dcm and its JPEG 2000 lossless copy, and pydicom's decode of the uncompressed one
        var folder = Directory.CreateDirectory(Path.Combine(fixture.Folder, "j2k-twin")).FullName;
        var r = PydicomPixelOracleTests.RunPydicom(folder, [TestFile("MR_small.dcm")]);
        Assert.False(r["MR_small.dcm"].TryGetProperty("error", out _));
        var expected = File.ReadAllBytes(Path.Combine(folder, "MR_small.dcm.raw"));

        // When
        var pixels = DicomPixelData.Create(DicomFile.Open(TestFile("MR_small_jp2klossless.dcm")));

        // Then
        Assert.Equal(TransferSyntax.Jpeg2000Lossless.Uid, pixels.TransferSyntax.Uid);
        Assert.Equal(expected, pixels.GetFrame(0));
    }

    [Fact]
    public void A_code_stream_larger_than_the_dataset_says_is_refused_before_decoding()
    {
        // Given a 64×64 code stream in a dataset that says 32 rows
        var file = DicomFile.Open(TestFile("MR_small_jp2klossless.dcm"));
        file.Dataset.SetUInt16(DicomTag.Rows, 32);
        var pixels = DicomPixelData.Create(file);

        // When
        var e = Assert.Throws<DicomFormatException>(() => pixels.GetFrame(0));

        // Then
        Assert.Equal("MR_small_jp2klossless.dcm: element (7FE0,0010) PixelData, frame 0: cannot decode the JPEG 2000 data: the JPEG 2000 header says 64×64 with 1 components; the dataset says 64×32 with 1; expected a complete JPEG 2000 stream this reader supports.", e.Message);
        Assert.Equal(ExitCodes.BadInput, e.ExitCode);
    }

    [Fact]
    public void A_damaged_code_stream_is_refused_with_the_file_and_frame()
    {
        // Given JPEG2000.dcm with four code-stream bytes overwritten (pydicom's test file; Pillow calls it a decompression bomb)
        var pixels = DicomPixelData.Create(DicomFile.Open(TestFile("JPEG2000-embedded-sequence-delimiter.dcm")));

        // When
        var e = Assert.Throws<DicomFormatException>(() => pixels.GetFrame(0));

        // Then
        output.WriteLine(e.Message);
        Assert.StartsWith("JPEG2000-embedded-sequence-delimiter.dcm: element (7FE0,0010) PixelData, frame 0: cannot decode the JPEG 2000 data: ", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Frames_split_over_several_fragments_without_an_offset_table_are_found_by_their_code_stream_start()
    {
        // Given two frames, each MR_small_jp2klossless's code stream cut into two fragments, and no offset table
        var source = DicomFile.Open(TestFile("MR_small_jp2klossless.dcm"));
        var stream = source.Dataset.GetElement(DicomTag.PixelData).Fragments is { } f
            ? f.Fragments.SelectMany(x => x.ToArray()).ToArray() : throw new InvalidOperationException("no fragments");
        int half = stream.Length / 2 & ~1;
        var fragments = new List<ReadOnlyMemory<byte>> { stream[..half], stream[half..], stream[..half], stream[half..] };
        var offsets = new List<long>();
        long at = 0;
        foreach (var fragment in fragments)
        {
            offsets.Add(at);
            at += 8 + fragment.Length;
        }
        var ds = source.Dataset;
        ds.SetString(DicomTag.NumberOfFrames, DicomVR.IS, "2");
        ds.Set(new DicomElement(DicomTag.PixelData, DicomVR.OB, new DicomFragments(ReadOnlyMemory<byte>.Empty, fragments, offsets)));
        var pixels = DicomPixelData.Create(ds, TransferSyntax.Jpeg2000Lossless);

        // When
        var first = pixels.GetFrame(0);
        var second = pixels.GetFrame(1);

        // Then
        Assert.Equal(DicomPixelData.Create(DicomFile.Open(TestFile("MR_small.dcm"))).GetFrame(0), first);
        Assert.Equal(first, second);
    }

    [Fact]
    public void A_missing_OpenJPEG_names_the_file_the_syntax_and_the_package()
    {
        var e = DicomFormatException.CodecLibraryMissing("/data/ct-001.dcm", TransferSyntax.Jpeg2000, "libopenjp2.so.7", "libopenjp2-7", new DllNotFoundException("libopenjp2.so.7: cannot open shared object file"));
        Assert.Equal("ct-001.dcm: pixel data is compressed as JPEG 2000 Image Compression (1.2.840.10008.1.2.4.91), and its decoder libopenjp2.so.7 cannot be loaded; expected it installed (install libopenjp2-7).", e.Message);
        Assert.Equal(ExitCodes.Environment, e.ExitCode);
        Assert.Equal("install libopenjp2-7: 'apt-get install -y libopenjp2-7'.", e.Fix);
    }

    private static int MaxDifference(byte[] a, byte[] b, int size, bool signed)
    {
        Assert.Equal(b.Length, a.Length);
        long max = 0;
        for (int i = 0; i < a.Length; i += size)
        {
            long x = Read(a, i), y = Read(b, i);
            max = Math.Max(max, Math.Abs(x - y));
        }
        return (int)Math.Min(max, int.MaxValue);

        long Read(byte[] bytes, int at) => (size, signed) switch
        {
            (1, false) => bytes[at],
            (1, true) => (sbyte)bytes[at],
            (2, false) => BinaryPrimitives.ReadUInt16LittleEndian(bytes.AsSpan(at)),
            (2, true) => BinaryPrimitives.ReadInt16LittleEndian(bytes.AsSpan(at)),
            (_, false) => BinaryPrimitives.ReadUInt32LittleEndian(bytes.AsSpan(at)),
            _ => BinaryPrimitives.ReadInt32LittleEndian(bytes.AsSpan(at)),
        };
    }
}
