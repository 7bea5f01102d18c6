using Flip.Imaging.Volumes;

namespace Flip.Imaging.Tests.Volumes;

public sealed class VolumeReorienterTests
{
    private static float Field(Vector3D p) => (float)(p.X * 100 + p.Y * 10 + p.Z);

    [Fact]
    public void ToLps_permutes_and_flips_axes_and_keeps_every_voxel_at_its_place()
    {
        // Given axes pointing anterior (−P), left (+L) and inferior (−S), with a value that encodes each voxel's position
        var direction = new Direction3D(new(0, -1, 0), new(1, 0, 0), new(0, 0, -1));
        var g = new VolumeGeometry(4, 3, 2, new Vector3D(1, 2, 3), new Vector3D(5, 6, 7), direction);
        var v = new Volume(g, new float[24]);
        for (int z = 0; z < 2; z++)
            for (int y = 0; y < 3; y++)
                for (int x = 0; x < 4; x++)
                    v[x, y, z] = Field(g.IndexToPhysical(x, y, z));

        // When
        var r = VolumeReorienter.ToLps(v);

        // Then the axes are L, P, S with the matching sizes and spacings
        VolumeAssert.Near(Direction3D.Identity.I, r.Geometry.Direction.I);
        VolumeAssert.Near(Direction3D.Identity.J, r.Geometry.Direction.J);
        VolumeAssert.Near(Direction3D.Identity.K, r.Geometry.Direction.K);
        Assert.Equal((3, 4, 2), (r.SizeX, r.SizeY, r.SizeZ));
        VolumeAssert.Near(new Vector3D(2, 1, 3), r.Geometry.SpacingMm);
        // and every voxel still holds the value of its own position
        for (int z = 0; z < 2; z++)
            for (int y = 0; y < 4; y++)
                for (int x = 0; x < 3; x++)
                    Assert.Equal(Field(r.Geometry.IndexToPhysical(x, y, z)), r[x, y, z], 3);
    }

    [Fact]
    public void ToLps_leaves_an_LPS_volume_unchanged()
    {
        var v = VolumeAssert.Random(3, 2, 2, new Vector3D(1, 1, 1), new Vector3D(1, 2, 3), Direction3D.Identity, 9);
        var r = VolumeReorienter.ToLps(v);
        Assert.Equal(v.Voxels, r.Voxels);
        VolumeAssert.SameGeometry(v.Geometry, r.Geometry);
    }
}
