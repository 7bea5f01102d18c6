namespace Flip.Datasets.Samples;

/// <summary>Turns patients' volumes into normalised 2D slices through the prostate.</summary>
/// <remarks>
/// Per volume and channel, intensities are z-scored (mean 0, standard deviation 1 over the volume),
/// which removes each scanner's calibration scale and offset but not its contrast curve, noise,
/// bias field or resolution. Every slice that contains prostate is kept, cropped in-plane to a
/// square around the gland's centre (zero-padded where it leaves the image).
/// </remarks>
public static class SliceSetBuilder
{
    /// <summary>Builds the slices of <paramref name="patients"/>, in parallel with bounded memory.</summary>
    /// <param name="patients">Patients of one site (or any list).</param>
    /// <param name="maxParallelism">Patients processed at once.</param>
    /// <param name="cropSize">Side of the square crop around the gland in voxels, or 0 for the whole slice.</param>
    /// <returns>The slices.</returns>
    public static SliceSet Build(IReadOnlyList<Patient> patients, int maxParallelism = 2, int cropSize = 32)
    {
        var perPatient = new (float[] Images, long[] Masks, int Slices, int Channels, int Height, int Width)[patients.Count];
        Parallel.For(0, patients.Count, new ParallelOptions { MaxDegreeOfParallelism = Math.Max(1, maxParallelism) }, p =>
        {
            PatientImages images = patients[p].LoadImages();
            perPatient[p] = Slice(images, cropSize);
        });

        if (patients.Count == 0)
        {
            return new SliceSet(3, 0, 0, [], [], [], []);
        }

        var first = perPatient[0];
        if (perPatient.Any(x => x.Channels != first.Channels || x.Height != first.Height || x.Width != first.Width))
        {
            throw new FlipException("patients' volumes differ in channels or matrix size; resample them to one grid first.", ExitCodes.BadInput);
        }

        int total = perPatient.Sum(x => x.Slices);
        var imagesAll = new float[(long)total * first.Channels * first.Height * first.Width];
        var masksAll = new long[(long)total * first.Height * first.Width];
        var patientOf = new int[total];
        long imageAt = 0, maskAt = 0;
        int sliceAt = 0;
        for (int p = 0; p < perPatient.Length; p++)
        {
            var x = perPatient[p];
            Array.Copy(x.Images, 0, imagesAll, imageAt, x.Images.Length);
            Array.Copy(x.Masks, 0, masksAll, maskAt, x.Masks.Length);
            Array.Fill(patientOf, p, sliceAt, x.Slices);
            imageAt += x.Images.Length;
            maskAt += x.Masks.Length;
            sliceAt += x.Slices;
        }

        var samplePatients = patients.Select(p => new SamplePatient(p.Key, p.IsCsPca)).ToList();
        return new SliceSet(first.Channels, first.Height, first.Width, imagesAll, masksAll, patientOf, samplePatients);
    }

    /// <summary>One patient's slices, normalised and cropped as <see cref="Build"/> does them.</summary>
    /// <param name="images">The patient's volumes.</param>
    /// <param name="patient">The patient's key and label.</param>
    /// <param name="cropSize">Side of the square crop around the gland in voxels, or 0 for the whole slice.</param>
    /// <returns>A slice set of one patient.</returns>
    public static SliceSet Slice(PatientImages images, SamplePatient patient, int cropSize = 32)
    {
        ArgumentNullException.ThrowIfNull(images);
        var x = Slice(images, cropSize);
        return new SliceSet(x.Channels, x.Height, x.Width, x.Images, x.Masks, new int[x.Slices], [patient]);
    }

    private static (float[] Images, long[] Masks, int Slices, int Channels, int Height, int Width) Slice(PatientImages v, int cropSize)
    {
        int plane = v.Width * v.Height;
        int outW = cropSize > 0 ? cropSize : v.Width, outH = cropSize > 0 ? cropSize : v.Height;
        int outPlane = outW * outH;
        var (cx, cy) = GlandCentre(v);
        int x0 = cropSize > 0 ? cx - (outW / 2) : 0, y0 = cropSize > 0 ? cy - (outH / 2) : 0;
        var keep = Enumerable.Range(0, v.Depth)
            .Where(z => v.Gland.AsSpan(z * plane, plane).IndexOf((byte)1) >= 0)
            .ToList();
        int channels = v.Channels.Count;
        var images = new float[keep.Count * channels * outPlane];
        var masks = new long[keep.Count * outPlane];
        for (int c = 0; c < channels; c++)
        {
            float[] data = v.Channels[c];
            var (mean, std) = MeanAndStd(data);
            for (int k = 0; k < keep.Count; k++)
            {
                int source = keep[k] * plane;
                int target = ((k * channels) + c) * outPlane;
                for (int y = 0; y < outH; y++)
                {
                    for (int x = 0; x < outW; x++)
                    {
                        int sx = x0 + x, sy = y0 + y;
                        bool inside = sx >= 0 && sx < v.Width && sy >= 0 && sy < v.Height;
                        images[target + (y * outW) + x] = inside ? (float)((data[source + (sy * v.Width) + sx] - mean) / std) : 0f;
                    }
                }
            }
        }

        for (int k = 0; k < keep.Count; k++)
        {
            int source = keep[k] * plane;
            for (int y = 0; y < outH; y++)
            {
                for (int x = 0; x < outW; x++)
                {
                    int sx = x0 + x, sy = y0 + y;
                    bool inside = sx >= 0 && sx < v.Width && sy >= 0 && sy < v.Height;
                    masks[(k * outPlane) + (y * outW) + x] = inside ? v.Lesion[source + (sy * v.Width) + sx] : 0;
                }
            }
        }

        return (images, masks, keep.Count, channels, outH, outW);
    }

    /// <summary>The mean and standard deviation of a whole volume's channel, the z-score every sample is normalised with.</summary>
    internal static (double Mean, double Std) MeanAndStd(float[] data)
    {
        double mean = 0, square = 0;
        foreach (float value in data)
        {
            mean += value;
            square += (double)value * value;
        }

        mean /= data.Length;
        return (mean, Math.Sqrt(Math.Max(square / data.Length - (mean * mean), 1e-12)));
    }

    private static (int X, int Y) GlandCentre(PatientImages v)
    {
        long sx = 0, sy = 0, n = 0;
        for (int i = 0; i < v.Gland.Length; i++)
        {
            if (v.Gland[i] != 0)
            {
                sx += i % v.Width;
                sy += i / v.Width % v.Height;
                n++;
            }
        }

        return n == 0 ? (v.Width / 2, v.Height / 2) : ((int)Math.Round(sx / (double)n), (int)Math.Round(sy / (double)n));
    }
}
