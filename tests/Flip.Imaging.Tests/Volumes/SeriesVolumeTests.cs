using Flip.Imaging.Dicom;
using Flip.Imaging.Volumes;

namespace Flip.Imaging.Tests.Volumes;

public sealed class SeriesVolumeTests : IDisposable
{
    private readonly string _folder = Path.Combine(Path.GetTempPath(), "flip-series-" + Guid.NewGuid().ToString("N"));

    public void Dispose()
    {
        if (Directory.Exists(_folder)) Directory.Delete(_folder, true);
    }

    private static readonly Vector3D Row = new Vector3D(1, 0.2, 0).Normalize();
    private static readonly Vector3D Column = new Vector3D(-0.2, 1, 0.1).Normalize();

    private static Vector3D OrthoColumn => (Column - Row * Column.Dot(Row)).Normalize();

    [Fact]
    public void FromFiles_sorts_oblique_slices_along_the_normal_and_applies_each_slice_rescale()
    {
        // Given 8 oblique slices written in shuffled order
        var origin = new Vector3D(-50, 20, 10);
        var paths = SeriesBuilder.Write(_folder, Enumerable.Range(0, 8), Row, OrthoColumn, origin);

        // When
        var volume = SeriesVolume.Load(paths);

        // Then
        Assert.Equal((5, 6, 8), (volume.SizeX, volume.SizeY, volume.SizeZ));
        Assert.Equal(0.6, volume.Geometry.SpacingMm.X, 6);
        Assert.Equal(0.7, volume.Geometry.SpacingMm.Y, 6);
        Assert.Equal(3.0, volume.Geometry.SpacingMm.Z, 4);
        Assert.Equal(origin.X, volume.Geometry.Origin.X, 4);
        Assert.Equal(origin.Z, volume.Geometry.Origin.Z, 4);
        Assert.Equal(Row.X, volume.Geometry.Direction.I.X, 4);
        for (int k = 0; k < 8; k++)
            for (int y = 0; y < 6; y++)
                for (int x = 0; x < 5; x++)
                    Assert.Equal(SeriesBuilder.Expected(x, y, k), volume[x, y, k]);
        // Index (1,2,3) sits 0.6 mm along the row, 1.4 mm along the column and 9 mm along the normal from the origin.
        var p = volume.Geometry.IndexToPhysical(1, 2, 3);
        var expected = origin + Row * 0.6 + OrthoColumn * 1.4 + Row.Cross(OrthoColumn) * 9;
        Assert.Equal(expected.X, p.X, 3);
        Assert.Equal(expected.Y, p.Y, 3);
        Assert.Equal(expected.Z, p.Z, 3);
    }

    [Fact]
    public void FromFiles_reports_a_missing_slice_as_a_gap()
    {
        var paths = SeriesBuilder.Write(_folder, [0, 1, 2, 4, 5], new(1, 0, 0), new(0, 1, 0), Vector3D.Zero);
        var e = Assert.Throws<VolumeAssemblyException>(() => SeriesVolume.Load(paths));
        Assert.Equal("series 1.2.3.4.5: 6 mm between slices slice-002.dcm and slice-004.dcm; expected 3 mm like the others (1 irregular gap; missing slices?).", e.Message);
        Assert.Equal(ExitCodes.BadInput, e.ExitCode);
    }

    [Fact]
    public void FromFiles_reports_duplicate_slices()
    {
        var paths = SeriesBuilder.Write(_folder, [0, 1, 2], new(1, 0, 0), new(0, 1, 0), Vector3D.Zero);
        var copy = Path.Combine(_folder, "copy-of-1.dcm");
        File.Copy(Path.Combine(_folder, "slice-001.dcm"), copy);
        var e = Assert.Throws<VolumeAssemblyException>(() => SeriesVolume.Load([.. paths, copy]));
        Assert.Contains("are both at 3 mm along the slice normal; expected one slice per position", e.Message);
    }

    [Fact]
    public void FromFiles_rejects_files_of_two_series()
    {
        var a = DicomFile.Parse(Bytes(SeriesBuilder.Slice(0, Vector3D.Zero, new(1, 0, 0), new(0, 1, 0), "1.1")));
        var b = DicomFile.Parse(Bytes(SeriesBuilder.Slice(1, new(0, 0, 3), new(1, 0, 0), new(0, 1, 0), "1.2")));
        var e = Assert.Throws<VolumeAssemblyException>(() => SeriesVolume.FromFiles([a, b]));
        Assert.StartsWith("the files belong to 2 series (1.1, 1.2); expected one Series Instance UID.", e.Message);
        Assert.Equal(2, SeriesVolume.GroupBySeries([a, b]).Count);
    }

    [Fact]
    public void FromFiles_reads_enhanced_multi_frame_positions_from_functional_groups()
    {
        // Given one file with 4 frames whose per-frame positions run downwards (reverse order)
        var ds = SeriesBuilder.Slice(0, Vector3D.Zero, new(1, 0, 0), new(0, 1, 0));
        ds.Remove(DicomTag.ImagePositionPatient);
        ds.SetInteger(DicomTag.NumberOfFrames, 4);
        var pixels = new byte[SeriesBuilder.Rows * SeriesBuilder.Columns * 2 * 4];
        for (int f = 0; f < 4; f++)
            for (int i = 0; i < SeriesBuilder.Rows * SeriesBuilder.Columns; i++)
                BitConverter.TryWriteBytes(pixels.AsSpan((f * SeriesBuilder.Rows * SeriesBuilder.Columns + i) * 2), (ushort)(f * 100 + i));
        ds.SetBytes(DicomTag.PixelData, DicomVR.OW, pixels);
        var frames = Enumerable.Range(0, 4).Select(f =>
        {
            var position = new DicomDataset();
            position.SetDecimal(DicomTag.ImagePositionPatient, 0, 0, 30 - 2.5 * f);
            var group = new DicomDataset();
            group.SetSequence(DicomTag.PlanePositionSequence, position);
            var pvt = new DicomDataset();
            pvt.SetDecimal(DicomTag.RescaleSlope, 1);
            pvt.SetDecimal(DicomTag.RescaleIntercept, f);
            group.SetSequence(DicomTag.PixelValueTransformationSequence, pvt);
            return group;
        }).ToArray();
        ds.SetSequence(DicomTag.PerFrameFunctionalGroupsSequence, frames);

        // When
        var volume = SeriesVolume.FromFiles([DicomFile.Parse(Bytes(ds), "enhanced.dcm")]);

        // Then the last frame (lowest z) comes first, with its own intercept
        Assert.Equal(4, volume.SizeZ);
        Assert.Equal(2.5, volume.Geometry.SpacingMm.Z, 6);
        Assert.Equal(22.5, volume.Geometry.Origin.Z, 6);
        Assert.Equal(300 + 3, volume[0, 0, 0]);
        Assert.Equal(0 + 0, volume[0, 0, 3]);
        Assert.Equal(200 + 7 + 2, volume[2, 1, 1]);
    }

    [Fact]
    public void FromFiles_stacks_classic_multi_frame_images_by_spacing_between_slices()
    {
        // Given a classic 3-frame image (no functional groups), first frame at z = 10, frames 4 mm apart
        var ds = SeriesBuilder.Slice(0, new Vector3D(0, 0, 10), new(1, 0, 0), new(0, 1, 0));
        ds.SetInteger(DicomTag.NumberOfFrames, 3);
        ds.SetDecimal(DicomTag.SpacingBetweenSlices, 4);
        ds.SetDecimal(DicomTag.RescaleSlope, 1);
        ds.SetDecimal(DicomTag.RescaleIntercept, 0);
        int n = SeriesBuilder.Rows * SeriesBuilder.Columns;
        var pixels = new byte[n * 2 * 3];
        for (int i = 0; i < n * 3; i++) BitConverter.TryWriteBytes(pixels.AsSpan(i * 2), (ushort)i);
        ds.SetBytes(DicomTag.PixelData, DicomVR.OW, pixels);

        // When
        var volume = SeriesVolume.FromFiles([DicomFile.Parse(Bytes(ds), "classic.dcm")]);

        // Then
        Assert.Equal(3, volume.SizeZ);
        Assert.Equal(4, volume.Geometry.SpacingMm.Z, 6);
        Assert.Equal(10, volume.Geometry.Origin.Z, 6);
        Assert.Equal(2 * n + 1, volume[1, 0, 2]);

        // And without Spacing Between Slices the frames cannot be placed
        ds.Remove(DicomTag.SpacingBetweenSlices);
        var e = Assert.Throws<VolumeAssemblyException>(() => SeriesVolume.FromFiles([DicomFile.Parse(Bytes(ds), "classic.dcm")]));
        Assert.Equal("series 1.2.3.4.5: slice classic.dcm frame 1 has no (0018,0088) SpacingBetweenSlices or per-frame functional groups; expected it to place the slice in space.", e.Message);
    }

    private static byte[] Bytes(DicomDataset ds)
    {
        using var ms = new MemoryStream();
        DicomWriter.Write(ds, ms);
        return ms.ToArray();
    }
}
