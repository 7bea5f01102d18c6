namespace Flip.Imaging.Volumes;

/// <summary>Resamples volumes to a new spacing or onto another grid.</summary>
/// <remarks>Points outside the source take <c>outside</c> (0 by default). Trilinear interpolation clamps to the edge voxel within half a voxel of the border.</remarks>
public static class VolumeResampler
{
    /// <summary>Resamples to a target spacing over the same extent, origin and direction.</summary>
    /// <param name="source">The volume.</param>
    /// <param name="spacingMm">The new spacing.</param>
    /// <param name="interpolation">Linear for images, nearest for masks.</param>
    /// <returns>The resampled volume.</returns>
    /// <exception cref="ArgumentException">A spacing is not positive.</exception>
    public static Volume ToSpacing(Volume source, Vector3D spacingMm, Interpolation interpolation = Interpolation.Linear)
    {
        ArgumentNullException.ThrowIfNull(source);
        if (!(spacingMm.X > 0 && spacingMm.Y > 0 && spacingMm.Z > 0))
            throw new ArgumentException($"target spacing {spacingMm.X}×{spacingMm.Y}×{spacingMm.Z} mm; expected every spacing above zero.", nameof(spacingMm));
        var g = source.Geometry;
        static int Size(int n, double from, double to) => Math.Max(1, (int)Math.Round(n * from / to));
        var target = g with
        {
            SizeX = Size(g.SizeX, g.SpacingMm.X, spacingMm.X),
            SizeY = Size(g.SizeY, g.SpacingMm.Y, spacingMm.Y),
            SizeZ = Size(g.SizeZ, g.SpacingMm.Z, spacingMm.Z),
            SpacingMm = spacingMm,
            // Keep the outer edge of the first voxel where it was: origin moves by half the spacing change.
            Origin = g.Origin + g.Direction.Apply(new Vector3D((spacingMm.X - g.SpacingMm.X) / 2, (spacingMm.Y - g.SpacingMm.Y) / 2, (spacingMm.Z - g.SpacingMm.Z) / 2)),
        };
        return ToGrid(source, target, interpolation);
    }

    /// <summary>Resamples onto a given grid (for example another series' grid).</summary>
    /// <param name="source">The volume.</param>
    /// <param name="target">The grid to fill.</param>
    /// <param name="interpolation">Linear for images, nearest for masks.</param>
    /// <param name="outside">Value for points outside the source.</param>
    /// <returns>The resampled volume.</returns>
    public static Volume ToGrid(Volume source, VolumeGeometry target, Interpolation interpolation = Interpolation.Linear, float outside = 0)
    {
        ArgumentNullException.ThrowIfNull(source);
        ArgumentNullException.ThrowIfNull(target);
        target.Validate();
        var voxels = new float[target.VoxelCount];
        var sg = source.Geometry;
        // Index-to-index mapping is affine: precompute the source index of target (0,0,0) and the steps.
        var start = sg.PhysicalToIndex(target.IndexToPhysical(0, 0, 0));
        var stepX = sg.PhysicalToIndex(target.IndexToPhysical(1, 0, 0)) - start;
        var stepY = sg.PhysicalToIndex(target.IndexToPhysical(0, 1, 0)) - start;
        var stepZ = sg.PhysicalToIndex(target.IndexToPhysical(0, 0, 1)) - start;
        long at = 0;
        for (int z = 0; z < target.SizeZ; z++)
        {
            for (int y = 0; y < target.SizeY; y++)
            {
                var p = start + stepZ * z + stepY * y;
                for (int x = 0; x < target.SizeX; x++, p += stepX)
                    voxels[at++] = interpolation == Interpolation.Nearest ? Nearest(source, p, outside) : Linear(source, p, outside);
            }
        }
        return new Volume(target, voxels);
    }

    private static float Nearest(Volume v, Vector3D p, float outside)
    {
        int x = (int)Math.Round(p.X, MidpointRounding.AwayFromZero), y = (int)Math.Round(p.Y, MidpointRounding.AwayFromZero), z = (int)Math.Round(p.Z, MidpointRounding.AwayFromZero);
        return (uint)x < (uint)v.SizeX && (uint)y < (uint)v.SizeY && (uint)z < (uint)v.SizeZ ? v[x, y, z] : outside;
    }

    private static float Linear(Volume v, Vector3D p, float outside)
    {
        if (p.X < -0.5 || p.Y < -0.5 || p.Z < -0.5 || p.X > v.SizeX - 0.5 || p.Y > v.SizeY - 0.5 || p.Z > v.SizeZ - 0.5) return outside;
        double cx = Math.Clamp(p.X, 0, v.SizeX - 1), cy = Math.Clamp(p.Y, 0, v.SizeY - 1), cz = Math.Clamp(p.Z, 0, v.SizeZ - 1);
        int x0 = (int)cx, y0 = (int)cy, z0 = (int)cz;
        int x1 = Math.Min(x0 + 1, v.SizeX - 1), y1 = Math.Min(y0 + 1, v.SizeY - 1), z1 = Math.Min(z0 + 1, v.SizeZ - 1);
        double fx = cx - x0, fy = cy - y0, fz = cz - z0;
        double c00 = v[x0, y0, z0] * (1 - fx) + v[x1, y0, z0] * fx;
        double c10 = v[x0, y1, z0] * (1 - fx) + v[x1, y1, z0] * fx;
        double c01 = v[x0, y0, z1] * (1 - fx) + v[x1, y0, z1] * fx;
        double c11 = v[x0, y1, z1] * (1 - fx) + v[x1, y1, z1] * fx;
        double c0 = c00 * (1 - fy) + c10 * fy;
        double c1 = c01 * (1 - fy) + c11 * fy;
        return (float)(c0 * (1 - fz) + c1 * fz);
    }
}
