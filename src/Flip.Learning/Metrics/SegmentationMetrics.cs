namespace Flip.Learning.Metrics;

/// <summary>Overlap and boundary metrics of a predicted mask against the reference mask.</summary>
/// <remarks>Masks are x-fastest arrays on one grid, as in <c>PatientImages</c>; non-zero = inside.</remarks>
public static class SegmentationMetrics
{
    /// <summary>Dice similarity coefficient 2|A∩B| / (|A| + |B|); 1 when both masks are empty.</summary>
    /// <param name="predicted">Predicted mask.</param>
    /// <param name="reference">Reference mask.</param>
    /// <returns>Dice in [0, 1].</returns>
    public static double Dice(ReadOnlySpan<byte> predicted, ReadOnlySpan<byte> reference)
    {
        var (intersection, a, b) = Count(predicted, reference);
        return Dice(intersection, a, b);
    }

    /// <summary>Dice from voxel counts accumulated elsewhere (e.g. batch by batch): 2|A∩B| / (|A| + |B|); 1 when both are empty.</summary>
    /// <param name="intersection">Voxels inside both masks.</param>
    /// <param name="predicted">Voxels inside the predicted mask.</param>
    /// <param name="reference">Voxels inside the reference mask.</param>
    /// <returns>Dice in [0, 1].</returns>
    public static double Dice(long intersection, long predicted, long reference)
        => predicted + reference == 0 ? 1.0 : 2.0 * intersection / (predicted + reference);

    /// <summary>Intersection over union |A∩B| / |A∪B|; 1 when both masks are empty.</summary>
    /// <param name="predicted">Predicted mask.</param>
    /// <param name="reference">Reference mask.</param>
    /// <returns>IoU in [0, 1].</returns>
    public static double Iou(ReadOnlySpan<byte> predicted, ReadOnlySpan<byte> reference)
    {
        var (intersection, a, b) = Count(predicted, reference);
        long union = a + b - intersection;
        return union == 0 ? 1.0 : intersection / (double)union;
    }

    /// <summary>
    /// The 95th percentile of the symmetric surface distances between two masks, in millimetres
    /// (HD95, as MONAI's <c>compute_hausdorff_distance(percentile=95)</c>: the larger of the two
    /// directed 95th percentiles).
    /// </summary>
    /// <param name="predicted">Predicted mask.</param>
    /// <param name="reference">Reference mask.</param>
    /// <param name="width">Voxels along x.</param>
    /// <param name="height">Voxels along y.</param>
    /// <param name="depth">Voxels along z.</param>
    /// <param name="spacingMm">Voxel spacing in millimetres.</param>
    /// <returns>HD95 in mm; NaN when either mask is empty.</returns>
    public static double Hausdorff95(ReadOnlySpan<byte> predicted, ReadOnlySpan<byte> reference, int width, int height, int depth,
        (double X, double Y, double Z) spacingMm)
    {
        var a = Surface(predicted, width, height, depth);
        var b = Surface(reference, width, height, depth);
        if (a.Count == 0 || b.Count == 0)
        {
            return double.NaN;
        }

        return Math.Max(DirectedPercentile(a, b, spacingMm, 95), DirectedPercentile(b, a, spacingMm, 95));
    }

    private static (long Intersection, long A, long B) Count(ReadOnlySpan<byte> predicted, ReadOnlySpan<byte> reference)
    {
        if (predicted.Length != reference.Length)
        {
            throw new ArgumentException($"masks differ in size: {predicted.Length} and {reference.Length} voxels.");
        }

        long intersection = 0, a = 0, b = 0;
        for (int i = 0; i < predicted.Length; i++)
        {
            bool p = predicted[i] != 0, r = reference[i] != 0;
            a += p ? 1 : 0;
            b += r ? 1 : 0;
            intersection += p && r ? 1 : 0;
        }

        return (intersection, a, b);
    }

    private static List<(int X, int Y, int Z)> Surface(ReadOnlySpan<byte> mask, int width, int height, int depth)
    {
        var surface = new List<(int, int, int)>();
        for (int z = 0; z < depth; z++)
        {
            for (int y = 0; y < height; y++)
            {
                for (int x = 0; x < width; x++)
                {
                    int i = (((z * height) + y) * width) + x;
                    if (mask[i] == 0)
                    {
                        continue;
                    }

                    // A voxel is on the surface when a 6-neighbour is outside the mask or the volume.
                    bool border = x == 0 || x == width - 1 || y == 0 || y == height - 1 || (depth > 1 && (z == 0 || z == depth - 1))
                        || mask[i - 1] == 0 || mask[i + 1] == 0 || mask[i - width] == 0 || mask[i + width] == 0
                        || (depth > 1 && (mask[i - (width * height)] == 0 || mask[i + (width * height)] == 0));
                    if (border)
                    {
                        surface.Add((x, y, z));
                    }
                }
            }
        }

        return surface;
    }

    private static double DirectedPercentile(List<(int X, int Y, int Z)> from, List<(int X, int Y, int Z)> to, (double X, double Y, double Z) s, double percentile)
    {
        var distances = new double[from.Count];
        for (int i = 0; i < from.Count; i++)
        {
            double best = double.MaxValue;
            foreach (var q in to)
            {
                double dx = (from[i].X - q.X) * s.X, dy = (from[i].Y - q.Y) * s.Y, dz = (from[i].Z - q.Z) * s.Z;
                best = Math.Min(best, (dx * dx) + (dy * dy) + (dz * dz));
            }

            distances[i] = Math.Sqrt(best);
        }

        Array.Sort(distances);
        // Linear interpolation between closest ranks, as numpy.percentile's default.
        double rank = percentile / 100 * (distances.Length - 1);
        int lower = (int)Math.Floor(rank);
        int upper = Math.Min(lower + 1, distances.Length - 1);
        return distances[lower] + ((rank - lower) * (distances[upper] - distances[lower]));
    }
}
