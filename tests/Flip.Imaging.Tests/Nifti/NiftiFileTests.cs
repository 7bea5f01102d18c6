using System.Buffers.Binary;
using CsCheck;
using Flip.Imaging.Nifti;
using Flip.Imaging.Tests.Volumes;
using Flip.Imaging.Volumes;

namespace Flip.Imaging.Tests.Nifti;

public sealed class NiftiFileTests : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("flip-nifti-").FullName;

    public void Dispose() => Directory.Delete(_folder, true);

    [Theory]
    [InlineData("a.nii")]
    [InlineData("a.nii.gz")]
    public void Write_then_Read_keeps_voxels_and_geometry(string name)
    {
        var direction = VolumeAssert.Rotation(0.9, 0.1, -0.3, 0.2, flip: false);
        var volume = VolumeAssert.Random(7, 5, 4, new Vector3D(0.5, 0.6, 3), new Vector3D(-12.5, 40, 7), direction, 1);
        var path = Path.Combine(_folder, name);
        NiftiFile.Write(volume, path);
        var read = NiftiFile.Read(path);
        VolumeAssert.SameGeometry(volume.Geometry, read.Geometry);
        Assert.Equal(volume.Voxels, read.Voxels);
        Assert.Equal(name.EndsWith(".gz", StringComparison.Ordinal), File.ReadAllBytes(path)[0] == 0x1F);
    }

    [Fact]
    public void Encode_then_Parse_keeps_any_geometry_through_the_qform_as_well_as_the_sform()
    {
        Gen.Select(Gen.Double[-1, 1], Gen.Double[-1, 1], Gen.Double[-1, 1], Gen.Double[-1, 1], Gen.Bool, Gen.Double[0.2, 5]).Sample((a, b, c, d, flip, sz) =>
        {
            var direction = VolumeAssert.Rotation(a, b, c, d, flip);
            var volume = VolumeAssert.Random(3, 2, 2, new Vector3D(0.8, 1.1, sz), new Vector3D(1, -2, 3), direction, 2);
            var bytes = NiftiFile.Encode(volume);
            VolumeAssert.SameGeometry(volume.Geometry, NiftiFile.Parse(bytes).Geometry, 1e-3);
            // Without the sform, the qform alone must give the same geometry.
            BinaryPrimitives.WriteInt16LittleEndian(bytes.AsSpan(254), 0);
            VolumeAssert.SameGeometry(volume.Geometry, NiftiFile.Parse(bytes).Geometry, 1e-3);
        }, iter: 300);
    }

    [Fact]
    public void Parse_turns_RAS_into_LPS_and_applies_scl_slope()
    {
        // Given an int16 image, identity qform with offset (10, 20, 30) in RAS, scl_slope 2, scl_inter 1
        var bytes = new byte[352 + 2 * 2 * 1 * 2];
        var h = bytes.AsSpan();
        BinaryPrimitives.WriteInt32LittleEndian(h, 348);
        short[] dim = [3, 2, 1, 2, 1, 1, 1, 1];
        for (int i = 0; i < 8; i++) BinaryPrimitives.WriteInt16LittleEndian(h[(40 + 2 * i)..], dim[i]);
        BinaryPrimitives.WriteInt16LittleEndian(h[70..], 4);
        BinaryPrimitives.WriteInt16LittleEndian(h[72..], 16);
        float[] pixdim = [1, 0.5f, 0.75f, 2.5f];
        for (int i = 0; i < 4; i++) BinaryPrimitives.WriteSingleLittleEndian(h[(76 + 4 * i)..], pixdim[i]);
        BinaryPrimitives.WriteSingleLittleEndian(h[108..], 352);
        BinaryPrimitives.WriteSingleLittleEndian(h[112..], 2);
        BinaryPrimitives.WriteSingleLittleEndian(h[116..], 1);
        BinaryPrimitives.WriteInt16LittleEndian(h[252..], 1);
        BinaryPrimitives.WriteSingleLittleEndian(h[268..], 10);
        BinaryPrimitives.WriteSingleLittleEndian(h[272..], 20);
        BinaryPrimitives.WriteSingleLittleEndian(h[276..], 30);
        "n+1\0"u8.CopyTo(h[344..]);
        short[] values = [-3, 0, 7, 100];
        for (int i = 0; i < 4; i++) BinaryPrimitives.WriteInt16LittleEndian(h[(352 + 2 * i)..], values[i]);

        // When
        var volume = NiftiFile.Parse(bytes, "hand.nii");

        // Then R→L and A→P flip sign; stored × 2 + 1
        VolumeAssert.Near(new Vector3D(-10, -20, 30), volume.Geometry.Origin);
        VolumeAssert.Near(new Vector3D(-1, 0, 0), volume.Geometry.Direction.I);
        VolumeAssert.Near(new Vector3D(0, -1, 0), volume.Geometry.Direction.J);
        VolumeAssert.Near(new Vector3D(0, 0, 1), volume.Geometry.Direction.K);
        VolumeAssert.Near(new Vector3D(0.5, 0.75, 2.5), volume.Geometry.SpacingMm);
        Assert.Equal([-5f, 1f, 15f, 201f], volume.Voxels);
    }

    [Fact]
    public void Parse_reads_the_chosen_volume_of_a_4D_file_and_big_endian_headers()
    {
        // Given a float32 2×1×1×3 file (three volumes) written big endian by hand
        var bytes = new byte[352 + 2 * 3 * 4];
        var h = bytes.AsSpan();
        BinaryPrimitives.WriteInt32BigEndian(h, 348);
        short[] dim = [4, 2, 1, 1, 3, 1, 1, 1];
        for (int i = 0; i < 8; i++) BinaryPrimitives.WriteInt16BigEndian(h[(40 + 2 * i)..], dim[i]);
        BinaryPrimitives.WriteInt16BigEndian(h[70..], 16);
        float[] pixdim = [1, 1, 1, 1, 1];
        for (int i = 0; i < 5; i++) BinaryPrimitives.WriteSingleBigEndian(h[(76 + 4 * i)..], pixdim[i]);
        BinaryPrimitives.WriteSingleBigEndian(h[108..], 352);
        "n+1\0"u8.CopyTo(h[344..]);
        for (int i = 0; i < 6; i++) BinaryPrimitives.WriteSingleBigEndian(h[(352 + 4 * i)..], i * 1.5f);

        // When / Then
        Assert.Equal([0f, 1.5f], NiftiFile.Parse(bytes, "4d.nii").Voxels);
        Assert.Equal([6f, 7.5f], NiftiFile.Parse(bytes, "4d.nii", volumeIndex: 2).Voxels);
        var e = Assert.Throws<NiftiFormatException>(() => NiftiFile.Parse(bytes, "4d.nii", volumeIndex: 3));
        Assert.Equal("4d.nii: at byte 0x00000030, header field dim[4] is 3; expected more than volume index 3.", e.Message);
    }

    [Fact]
    public void Parse_reports_truncated_voxel_data()
    {
        var bytes = NiftiFile.Encode(VolumeAssert.Random(4, 4, 4, new Vector3D(1, 1, 1), Vector3D.Zero, Direction3D.Identity, 3));
        var e = Assert.Throws<NiftiFormatException>(() => NiftiFile.Parse(bytes[..400], "cut.nii"));
        Assert.Equal("cut.nii: at byte 0x00000160, voxel data needs 256 bytes but 48 remain; expected dim × bitpix / 8 bytes after vox_offset (file truncated?).", e.Message);
        Assert.Equal("dim", e.HeaderField);
    }

    [Fact]
    public void Parse_rejects_a_file_that_is_not_NIfTI_1()
    {
        var bytes = new byte[400];
        BinaryPrimitives.WriteInt32LittleEndian(bytes, 540);
        var e = Assert.Throws<NiftiFormatException>(() => NiftiFile.Parse(bytes, "n2.nii"));
        Assert.Equal("n2.nii: at byte 0x00000000, header field sizeof_hdr is 540; expected 348 (NIfTI-1; NIfTI-2 has 540 and is not supported).", e.Message);
    }

    [Fact]
    public void Parse_raises_only_NiftiFormatException_for_mutated_headers()
    {
        var original = NiftiFile.Encode(VolumeAssert.Random(3, 3, 3, new Vector3D(1, 2, 3), Vector3D.Zero, Direction3D.Identity, 4));
        Gen.Select(Gen.Int[0, 351], Gen.Byte).Sample((at, value) =>
        {
            var bytes = (byte[])original.Clone();
            bytes[at] = value;
            try
            {
                NiftiFile.Parse(bytes, "m.nii");
            }
            catch (NiftiFormatException)
            {
                // Allowed.
            }
        }, iter: 3000);
    }
}
