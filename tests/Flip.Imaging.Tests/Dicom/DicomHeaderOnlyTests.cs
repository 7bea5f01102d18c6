using Flip.Imaging.Dicom;

namespace Flip.Imaging.Tests.Dicom;

public sealed class DicomHeaderOnlyTests : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("flip-header-").FullName;

    public void Dispose() => Directory.Delete(_folder, true);

    [Theory]
    [InlineData(1_000)]
    [InlineData(64 * 1024 - 200)]
    [InlineData(200_000)]
    public void HeaderOnly_reads_headers_of_any_length_in_large_files(int privateBytes)
    {
        // Given a file with a private block of the given size before 256 KiB of pixel data
        var ds = new DicomDataset();
        ds.SetString(DicomTag.PatientId, DicomVR.LO, "P7");
        ds.SetString(new DicomTag(0x0029, 0x0010), DicomVR.LO, "VENDOR");
        ds.SetBytes(new DicomTag(0x0029, 0x1010), DicomVR.OB, new byte[privateBytes]);
        ds.SetString(DicomTag.SeriesDescription, DicomVR.LO, "AFTER BLOCK");
        ds.SetBytes(DicomTag.PixelData, DicomVR.OW, new byte[256 * 1024]);
        var path = Path.Combine(_folder, "big.dcm");
        DicomWriter.Save(ds, path);

        // When
        var file = DicomFile.Open(path, DicomReadOptions.HeaderOnly);

        // Then
        Assert.True(file.IsPartial);
        Assert.Equal("AFTER BLOCK", file.Dataset.GetString(DicomTag.SeriesDescription));
        Assert.Equal(privateBytes, file.Dataset.GetElement(new DicomTag(0x0029, 0x1010)).RawValue.Length);
        Assert.False(file.Dataset.Contains(DicomTag.PixelData));
    }

    [Fact]
    public void Open_leaves_trailing_pixel_data_in_the_file_until_it_is_used()
    {
        // Given a 256 × 512 16-bit image (256 KiB of pixel data, the last element)
        var ds = new DicomDataset();
        ds.SetString(DicomTag.PatientId, DicomVR.LO, "P8");
        ds.SetUInt16(DicomTag.Rows, 256);
        ds.SetUInt16(DicomTag.Columns, 512);
        ds.SetUInt16(DicomTag.BitsAllocated, 16);
        var pixels = new byte[256 * 512 * 2];
        new Random(3).NextBytes(pixels);
        ds.SetBytes(DicomTag.PixelData, DicomVR.OW, pixels);
        var path = Path.Combine(_folder, "lazy.dcm");
        DicomWriter.Save(ds, path);

        // When
        var file = DicomFile.Open(path);
        var element = file.Dataset.GetElement(DicomTag.PixelData);

        // Then the value is known by length and offset but not read, until asked for
        Assert.False(file.IsPartial);
        Assert.True(element.IsValuePending);
        Assert.Equal(pixels.Length, element.Length);
        Assert.Equal(new FileInfo(path).Length - pixels.Length - 12, element.Offset);
        Assert.Equal(1, file.Dataset.ValueCount(element));
        Assert.Equal(256, DicomPixelData.Create(file).Rows);
        Assert.True(element.IsValuePending);
        Assert.Equal(pixels, DicomPixelData.Create(file).GetFrame(0));
        Assert.False(element.IsValuePending);
        var eager = DicomFile.Open(path, new DicomReadOptions { LazyPixelData = false });
        Assert.False(eager.Dataset.GetElement(DicomTag.PixelData).IsValuePending);
        Assert.Equal(pixels, eager.Dataset.GetElement(DicomTag.PixelData).RawValue.ToArray());
    }

    [Fact]
    public void Open_reads_elements_after_pixel_data()
    {
        var ds = new DicomDataset();
        ds.SetUInt16(DicomTag.Rows, 256);
        ds.SetUInt16(DicomTag.Columns, 256);
        ds.SetUInt16(DicomTag.BitsAllocated, 16);
        ds.SetBytes(DicomTag.PixelData, DicomVR.OW, new byte[256 * 256 * 2]);
        ds.SetBytes(new DicomTag(0xFFFC, 0xFFFC), DicomVR.OB, new byte[6]);
        var path = Path.Combine(_folder, "trailing.dcm");
        DicomWriter.Save(ds, path);

        var file = DicomFile.Open(path);

        Assert.False(file.Dataset.GetElement(DicomTag.PixelData).IsValuePending);
        Assert.Equal(6, file.Dataset.GetElement(new DicomTag(0xFFFC, 0xFFFC)).Length);
    }

    [Fact]
    public void Open_rejects_a_large_file_that_is_not_DICOM_from_its_first_bytes()
    {
        var path = Path.Combine(_folder, "movie.mp4");
        File.WriteAllBytes(path, new byte[300_000]);
        var e = Assert.Throws<DicomFormatException>(() => DicomFile.Open(path, DicomReadOptions.HeaderOnly));
        Assert.StartsWith("movie.mp4: not a DICOM file (300,000 bytes)", e.Message);
    }
}
