namespace Flip.Datasets.Samples;

/// <summary>Turns a patient's volumes into one normalised 3D crop around the prostate.</summary>
/// <remarks>
/// The crop is a fixed box centred on the centre of the gland mask's bounding box (the volume's
/// centre when the mask is empty), zero-padded where it leaves the volume. Intensities are z-scored
/// per volume and channel over the whole volume, as <see cref="SliceSetBuilder"/> does them; the
/// lesion and gland masks are cropped the same way.
/// </remarks>
public static class CropSetBuilder
{
    /// <summary>One patient's crop.</summary>
    /// <param name="images">The patient's volumes (already resampled, if they are to be).</param>
    /// <param name="patient">The patient's key and label.</param>
    /// <param name="size">The crop's size in voxels (x, y, z).</param>
    /// <returns>A crop set of one patient.</returns>
    public static CropSet Crop(PatientImages images, SamplePatient patient, (int Width, int Height, int Depth) size)
    {
        ArgumentNullException.ThrowIfNull(images);
        ArgumentNullException.ThrowIfNull(patient);
        var (w, h, d) = size;
        var (cx, cy, cz) = GlandBoxCentre(images);
        var origin = (X: cx - (w / 2), Y: cy - (h / 2), Z: cz - (d / 2));
        long voxels = (long)w * h * d;
        int channels = images.Channels.Count;
        var crop = new float[channels * voxels];
        var lesion = new byte[voxels];
        var gland = new byte[voxels];
        for (int c = 0; c < channels; c++)
        {
            float[] data = images.Channels[c];
            var (mean, std) = SliceSetBuilder.MeanAndStd(data);
            Copy(images, origin, size, (source, target) => crop[(c * voxels) + target] = (float)((data[source] - mean) / std));
        }

        Copy(images, origin, size, (source, target) =>
        {
            lesion[target] = images.Lesion[source];
            gland[target] = images.Gland[source];
        });
        return new CropSet(channels, d, h, w, crop, lesion, gland, [origin], [patient]);
    }

    /// <summary>Calls <paramref name="copy"/>(source index, crop index) for every crop voxel inside the volume.</summary>
    private static void Copy(PatientImages v, (int X, int Y, int Z) origin, (int Width, int Height, int Depth) size, Action<long, long> copy)
    {
        for (int z = 0; z < size.Depth; z++)
        {
            int sz = origin.Z + z;
            if (sz < 0 || sz >= v.Depth)
            {
                continue;
            }

            for (int y = 0; y < size.Height; y++)
            {
                int sy = origin.Y + y;
                if (sy < 0 || sy >= v.Height)
                {
                    continue;
                }

                for (int x = 0; x < size.Width; x++)
                {
                    int sx = origin.X + x;
                    if (sx >= 0 && sx < v.Width)
                    {
                        copy((((long)sz * v.Height) + sy) * v.Width + sx, (((long)z * size.Height) + y) * size.Width + x);
                    }
                }
            }
        }
    }

    private static (int X, int Y, int Z) GlandBoxCentre(PatientImages v)
    {
        int minX = int.MaxValue, minY = int.MaxValue, minZ = int.MaxValue, maxX = -1, maxY = -1, maxZ = -1;
        for (int i = 0; i < v.Gland.Length; i++)
        {
            if (v.Gland[i] != 0)
            {
                int x = i % v.Width, y = i / v.Width % v.Height, z = i / (v.Width * v.Height);
                (minX, maxX) = (Math.Min(minX, x), Math.Max(maxX, x));
                (minY, maxY) = (Math.Min(minY, y), Math.Max(maxY, y));
                (minZ, maxZ) = (Math.Min(minZ, z), Math.Max(maxZ, z));
            }
        }

        return maxX < 0 ? (v.Width / 2, v.Height / 2, v.Depth / 2) : ((minX + maxX) / 2, (minY + maxY) / 2, (minZ + maxZ) / 2);
    }
}
