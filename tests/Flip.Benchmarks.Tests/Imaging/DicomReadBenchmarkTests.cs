using Flip.Benchmarks.Imaging;
using Flip.Imaging.Dicom;
using Flip.Imaging.Volumes;

namespace Flip.Benchmarks.Tests.Imaging;

public sealed class DicomReadBenchmarkTests : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("flip-dicombench-").FullName;

    public void Dispose() => Directory.Delete(_folder, true);

    [Fact]
    public void Run_reports_every_shape_over_the_same_files()
    {
        // Given a series of 5 slices
        var template = new DicomDataset();
        template.SetString(DicomTag.SopClassUid, DicomVR.UI, "1.2.840.10008.5.1.4.1.1.4");
        template.SetString(DicomTag.SeriesInstanceUid, DicomVR.UI, DicomUid.FromName("bench/series"));
        var g = new VolumeGeometry(8, 6, 5, new Vector3D(1, 1, 2), Vector3D.Zero, Direction3D.Identity);
        SeriesWriter.Write(new Volume(g, new float[8 * 6 * 5]), template, _folder);

        // When
        var rows = DicomReadBenchmark.Run(_folder, passes: 1, threads: 2);

        // Then
        Assert.Equal(["headers only", "all values", "with pixel data", "with pixel data, 2 threads", "series to volume", "index, 1 thread(s)", "index, 2 thread(s)"], rows.Select(r => r.Shape));
        Assert.All(rows, r => Assert.Equal(5, r.Files));
        Assert.Equal([1, 1, 1, 2, 1, 1, 2], rows.Select(r => r.Threads));
    }
}
