using Flip.Imaging.Dicom;
using Flip.Imaging.Volumes;

namespace Flip.Imaging.Tests.Volumes;

public sealed class SeriesWriterTests : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("flip-serieswriter-").FullName;

    public void Dispose() => Directory.Delete(_folder, true);

    private static DicomDataset Template()
    {
        var t = new DicomDataset();
        t.SetString(DicomTag.SopClassUid, DicomVR.UI, "1.2.840.10008.5.1.4.1.1.4");
        t.SetString(DicomTag.SeriesInstanceUid, DicomVR.UI, DicomUid.FromName("site-1/patient-1/t2w"));
        t.SetString(DicomTag.Modality, DicomVR.CS, "MR");
        t.SetString(DicomTag.PatientId, DicomVR.LO, "SYN-0001");
        return t;
    }

    [Fact]
    public void Written_series_reads_back_as_the_same_volume()
    {
        // Given an oblique volume with real-valued voxels
        var direction = VolumeAssert.Rotation(0.95, 0.05, -0.2, 0.1, flip: false);
        var volume = VolumeAssert.Random(6, 5, 4, new Vector3D(0.5, 0.55, 3.3), new Vector3D(-20, 35.5, 12), direction, 11);

        // When written as a series and assembled again
        var paths = SeriesWriter.Write(volume, Template(), _folder);
        var read = SeriesVolume.Load(paths.Reverse());

        // Then geometry matches and values agree within the quantisation step (range 2000 over 64000 levels)
        VolumeAssert.SameGeometry(volume.Geometry, read.Geometry, 1e-4);
        for (int i = 0; i < volume.Voxels.Length; i++) Assert.Equal(volume.Voxels[i], read.Voxels[i], 0.02);
        Assert.Equal(4, paths.Count);
        Assert.All(paths, p => Assert.True(DicomUid.IsValid(DicomFile.Open(p).Dataset.GetString(DicomTag.SopInstanceUid))));
    }

    [Fact]
    public void Integer_volumes_are_stored_exactly()
    {
        var g = new VolumeGeometry(3, 2, 2, new Vector3D(1, 1, 2), Vector3D.Zero, Direction3D.Identity);
        var volume = new Volume(g, [-1024, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 3071]);
        var read = SeriesVolume.Load(SeriesWriter.Write(volume, Template(), _folder));
        Assert.Equal(volume.Voxels, read.Voxels);
    }

    [Fact]
    public void DicomUid_makes_valid_deterministic_UIDs()
    {
        Assert.Equal(DicomUid.Create(new Random(7)), DicomUid.Create(new Random(7)));
        Assert.NotEqual(DicomUid.Create(new Random(7)), DicomUid.Create(new Random(8)));
        Assert.Equal(DicomUid.FromName("a"), DicomUid.FromName("a"));
        Assert.True(DicomUid.IsValid(DicomUid.FromName("a")));
        Assert.False(DicomUid.IsValid("1.02.3"));
        Assert.False(DicomUid.IsValid("1..2"));
        Assert.False(DicomUid.IsValid(new string('1', 65)));
    }
}
