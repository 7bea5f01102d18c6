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
}
