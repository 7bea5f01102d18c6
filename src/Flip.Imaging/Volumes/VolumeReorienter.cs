namespace Flip.Imaging.Volumes;

/// <summary>Reorients volumes by permuting and flipping axes, without interpolation.</summary>
/// <remarks>
/// Each index axis is matched to the patient axis (L, P or S) its direction is closest to; the
/// voxels are reordered so that the volume's axes point along +L, +P and +S as nearly as the
/// original allows (ITK's DICOMOrientImageFilter to "LPS", known in RAS terms as "RAI"). Oblique
/// volumes stay oblique: the residual rotation is kept in the direction.
/// </remarks>
public static class VolumeReorienter
{
    /// <summary>Reorders the voxels so the axes point as nearly as possible along +L, +P and +S.</summary>
    /// <param name="volume">The volume.</param>
    /// <returns>A new volume over the same physical space.</returns>
    public static Volume ToLps(Volume volume)
    {
        ArgumentNullException.ThrowIfNull(volume);
        var g = volume.Geometry;
        Vector3D[] dirs = [g.Direction.I, g.Direction.J, g.Direction.K];
        int[] sizes = [g.SizeX, g.SizeY, g.SizeZ];
        double[] spacing = [g.SpacingMm.X, g.SpacingMm.Y, g.SpacingMm.Z];
        static double Component(Vector3D v, int c) => c == 0 ? v.X : c == 1 ? v.Y : v.Z;

        // Assign source axes to patient axes greedily by the largest |cosine| first.
        var target = new int[3];
        var sign = new int[3];
        var usedSource = new bool[3];
        var usedTarget = new bool[3];
        for (int round = 0; round < 3; round++)
        {
            int bestA = -1, bestC = -1;
            double best = -1;
            for (int a = 0; a < 3; a++)
                for (int c = 0; c < 3; c++)
                    if (!usedSource[a] && !usedTarget[c] && Math.Abs(Component(dirs[a], c)) > best)
                    {
                        best = Math.Abs(Component(dirs[a], c));
                        bestA = a;
                        bestC = c;
                    }
            usedSource[bestA] = usedTarget[bestC] = true;
            target[bestA] = bestC;
            sign[bestA] = Component(dirs[bestA], bestC) < 0 ? -1 : 1;
        }
        var source = new int[3];
        for (int a = 0; a < 3; a++) source[target[a]] = a;

        int[] newSize = [sizes[source[0]], sizes[source[1]], sizes[source[2]]];
        var newDirs = new Vector3D[3];
        for (int c = 0; c < 3; c++) newDirs[c] = dirs[source[c]] * sign[source[c]];
        var start = new double[3];
        for (int a = 0; a < 3; a++) start[a] = sign[a] < 0 ? sizes[a] - 1 : 0;
        var geometry = new VolumeGeometry(newSize[0], newSize[1], newSize[2],
            new Vector3D(spacing[source[0]], spacing[source[1]], spacing[source[2]]),
            g.IndexToPhysical(start[0], start[1], start[2]),
            new Direction3D(newDirs[0], newDirs[1], newDirs[2]));

        var voxels = new float[volume.Voxels.Length];
        Span<int> t = stackalloc int[3];
        Span<int> s = stackalloc int[3];
        long at = 0;
        for (t[2] = 0; t[2] < newSize[2]; t[2]++)
            for (t[1] = 0; t[1] < newSize[1]; t[1]++)
                for (t[0] = 0; t[0] < newSize[0]; t[0]++)
                {
                    for (int a = 0; a < 3; a++)
                    {
                        int i = t[target[a]];
                        s[a] = sign[a] > 0 ? i : sizes[a] - 1 - i;
                    }
                    voxels[at++] = volume[s[0], s[1], s[2]];
                }
        return new Volume(geometry, voxels);
    }
}
