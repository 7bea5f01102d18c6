using Flip.Imaging.Volumes;

namespace Flip.Imaging.Tests.Volumes;

internal static class VolumeAssert
{
    public static void Near(Vector3D expected, Vector3D actual, double tolerance = 1e-4)
    {
        Assert.True((expected - actual).Length <= tolerance, $"expected {expected}, got {actual}");
    }

    public static void SameGeometry(VolumeGeometry expected, VolumeGeometry actual, double tolerance = 1e-4)
    {
        Assert.Equal((expected.SizeX, expected.SizeY, expected.SizeZ), (actual.SizeX, actual.SizeY, actual.SizeZ));
        Near(expected.SpacingMm, actual.SpacingMm, tolerance);
        Near(expected.Origin, actual.Origin, tolerance);
        Near(expected.Direction.I, actual.Direction.I, tolerance);
        Near(expected.Direction.J, actual.Direction.J, tolerance);
        Near(expected.Direction.K, actual.Direction.K, tolerance);
    }

    /// <summary>A random proper or improper rotation from a unit quaternion.</summary>
    public static Direction3D Rotation(double a, double b, double c, double d, bool flip)
    {
        double n = Math.Sqrt(a * a + b * b + c * c + d * d);
        if (n < 1e-6) (a, n) = (1, 1);
        a /= n; b /= n; c /= n; d /= n;
        var i = new Vector3D(a * a + b * b - c * c - d * d, 2 * (b * c + a * d), 2 * (b * d - a * c));
        var j = new Vector3D(2 * (b * c - a * d), a * a + c * c - b * b - d * d, 2 * (c * d + a * b));
        var k = new Vector3D(2 * (b * d + a * c), 2 * (c * d - a * b), a * a + d * d - b * b - c * c);
        return new Direction3D(i, j, flip ? -k : k);
    }

    public static Volume Random(int nx, int ny, int nz, Vector3D spacing, Vector3D origin, Direction3D direction, int seed)
    {
        var rng = new Random(seed);
        var voxels = new float[nx * ny * nz];
        for (int i = 0; i < voxels.Length; i++) voxels[i] = (float)(rng.NextDouble() * 2000 - 1000);
        return new Volume(new VolumeGeometry(nx, ny, nz, spacing, origin, direction), voxels);
    }
}
