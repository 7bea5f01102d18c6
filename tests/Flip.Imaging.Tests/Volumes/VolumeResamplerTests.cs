using CsCheck;
using Flip.Imaging.Volumes;

namespace Flip.Imaging.Tests.Volumes;

public sealed class VolumeResamplerTests
{
    private static Volume Gradient(int nx, int ny, int nz, Vector3D spacing)
    {
        var g = new VolumeGeometry(nx, ny, nz, spacing, new Vector3D(10, -5, 3), Direction3D.Identity);
        var v = new Volume(g, new float[nx * ny * nz]);
        for (int z = 0; z < nz; z++)
            for (int y = 0; y < ny; y++)
                for (int x = 0; x < nx; x++)
                {
                    var p = g.IndexToPhysical(x, y, z);
                    v[x, y, z] = (float)(2 * p.X + 3 * p.Y - p.Z);
                }
        return v;
    }

    [Fact]
    public void ToSpacing_keeps_the_extent_and_interpolates_a_linear_field_exactly_inside()
    {
        // Given f(p) = 2x + 3y − z sampled at 1 × 1 × 2 mm
        var source = Gradient(10, 8, 6, new Vector3D(1, 1, 2));

        // When resampled to 0.5 × 2 × 1 mm
        var result = VolumeResampler.ToSpacing(source, new Vector3D(0.5, 2, 1));

        // Then sizes follow the extent (10 mm / 0.5 = 20, 8 / 2 = 4, 12 / 1 = 12) and interior values are exact
        Assert.Equal((20, 4, 12), (result.SizeX, result.SizeY, result.SizeZ));
        for (int z = 1; z < result.SizeZ - 1; z++)
            for (int y = 0; y < result.SizeY; y++)
                for (int x = 1; x < result.SizeX - 1; x++)
                {
                    var p = result.Geometry.IndexToPhysical(x, y, z);
                    Assert.Equal(2 * p.X + 3 * p.Y - p.Z, result[x, y, z], 3);
                }
    }

    [Fact]
    public void Nearest_interpolation_only_produces_labels_that_exist()
    {
        Gen.Select(Gen.Int[2, 6], Gen.Double[0.3, 3], Gen.Double[0.3, 3]).Sample((n, sx, sz) =>
        {
            var g = new VolumeGeometry(n, n, n, new Vector3D(1, 1, 1), Vector3D.Zero, Direction3D.Identity);
            var labels = new float[n * n * n];
            for (int i = 0; i < labels.Length; i++) labels[i] = i % 3;
            var result = VolumeResampler.ToSpacing(new Volume(g, labels), new Vector3D(sx, 1, sz), Interpolation.Nearest);
            Assert.All(result.Voxels, v => Assert.Contains(v, new[] { 0f, 1f, 2f }));
        }, iter: 100);
    }

    [Fact]
    public void ToGrid_onto_the_same_grid_is_the_identity()
    {
        var source = Gradient(5, 4, 3, new Vector3D(0.7, 0.8, 3));
        var result = VolumeResampler.ToGrid(source, source.Geometry);
        Assert.Equal(source.Voxels, result.Voxels);
    }

    [Fact]
    public void Volume_rejects_a_voxel_count_that_does_not_match_its_grid()
    {
        var g = new VolumeGeometry(2, 2, 2, new Vector3D(1, 1, 1), Vector3D.Zero, Direction3D.Identity);
        var e = Assert.Throws<ArgumentException>(() => new Volume(g, new float[7]));
        Assert.StartsWith("7 voxels for a 2×2×2 grid; expected 8.", e.Message);
    }
}
