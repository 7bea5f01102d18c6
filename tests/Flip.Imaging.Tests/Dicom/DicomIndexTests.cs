using Flip.Imaging.Dicom;
using Flip.Imaging.Tests.Volumes;
using Flip.Imaging.Volumes;

namespace Flip.Imaging.Tests.Dicom;

public sealed class DicomIndexTests : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("flip-index-").FullName;

    public void Dispose() => Directory.Delete(_folder, true);

    [Fact]
    public void Scan_groups_series_and_reports_unreadable_files()
    {
        // Given one 5-slice series, one more series in a subfolder, a text file and a truncated DICOM file
        SeriesBuilder.Write(Path.Combine(_folder, "t2w"), Enumerable.Range(0, 5), new(1, 0, 0), new(0, 1, 0), Vector3D.Zero);
        var other = Path.Combine(_folder, "sub", "adc");
        Directory.CreateDirectory(other);
        var ds = SeriesBuilder.Slice(0, Vector3D.Zero, new(1, 0, 0), new(0, 1, 0), "1.2.3.9");
        ds.SetString(DicomTag.SeriesDescription, DicomVR.LO, "ADC");
        DicomWriter.Save(ds, Path.Combine(other, "a.dcm"));
        File.WriteAllText(Path.Combine(_folder, "notes.txt"), "not an image");
        var good = File.ReadAllBytes(Path.Combine(other, "a.dcm"));
        File.WriteAllBytes(Path.Combine(_folder, "cut.dcm"), good[..300]);

        // When
        var index = DicomIndex.Scan(_folder, maxParallelism: 2);

        // Then
        Assert.Equal(2, index.Series.Count);
        var t2w = index.Series.Single(s => s.SeriesInstanceUid == "1.2.3.4.5");
        Assert.Equal(5, t2w.SliceCount);
        Assert.Equal("MR", t2w.Modality);
        Assert.Equal("P1", t2w.PatientId);
        Assert.Equal(TransferSyntax.ExplicitVrLittleEndian.Uid, t2w.TransferSyntaxUid);
        VolumeAssert.Near(new Vector3D(0.6, 0.7, 3), t2w.SpacingMm!.Value);
        var adc = index.Series.Single(s => s.SeriesInstanceUid == "1.2.3.9");
        Assert.Equal("ADC", adc.Description);
        Assert.Equal(1, adc.SliceCount);
        Assert.Equal(["cut.dcm", "notes.txt"], index.Failures.Select(f => Path.GetFileName(f.File)));
        Assert.StartsWith("notes.txt: not a DICOM file", index.Failures[1].Message);
        Assert.StartsWith("cut.dcm: at byte 0x", index.Failures[0].Message);
    }

    [Fact]
    public void Scan_names_a_missing_folder()
    {
        var e = Assert.Throws<DirectoryNotFoundException>(() => DicomIndex.Scan(Path.Combine(_folder, "nope")));
        Assert.EndsWith("does not exist; expected a folder of DICOM files.", e.Message);
    }
}
