namespace Flip.Datasets.Samples;

/// <summary>Turns patients' volumes into normalised 2D slices through the prostate.</summary>
/// <remarks>
/// Per volume and channel, intensities are z-scored (mean 0, standard deviation 1 over the volume),
/// which removes each scanner's calibration scale and offset but not its contrast curve, noise,
/// bias field or resolution. Every slice that contains prostate is kept.
/// </remarks>
public static class SliceSetBuilder
{
    /// <summary>Builds the slices of <paramref name="patients"/>, in parallel with bounded memory.</summary>
    /// <param name="patients">Patients of one site (or any list).</param>
    /// <param name="maxParallelism">Patients processed at once.</param>
    /// <returns>The slices.</returns>
    public static SliceSet Build(IReadOnlyList<Patient> patients, int maxParallelism = 2)
    {
        var perPatient = new (float[] Images, long[] Masks, int Slices, int Channels, int Height, int Width)[patients.Count];
        Parallel.For(0, patients.Count, new ParallelOptions { MaxDegreeOfParallelism = Math.Max(1, maxParallelism) }, p =>
        {
            PatientImages images = patients[p].LoadImages();
            perPatient[p] = Slice(images);
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

    private static (float[] Images, long[] Masks, int Slices, int Channels, int Height, int Width) Slice(PatientImages v)
    {
        int plane = v.Width * v.Height;
        var keep = Enumerable.Range(0, v.Depth)
            .Where(z => v.Gland.AsSpan(z * plane, plane).IndexOf((byte)1) >= 0)
            .ToList();
        int channels = v.Channels.Count;
        var images = new float[keep.Count * channels * plane];
        var masks = new long[keep.Count * plane];
        for (int c = 0; c < channels; c++)
        {
            float[] data = v.Channels[c];
            double mean = 0, square = 0;
            foreach (float value in data)
            {
                mean += value;
                square += (double)value * value;
            }

            mean /= data.Length;
            double std = Math.Sqrt(Math.Max(square / data.Length - (mean * mean), 1e-12));
            for (int k = 0; k < keep.Count; k++)
            {
                int source = keep[k] * plane;
                int target = ((k * channels) + c) * plane;
                for (int i = 0; i < plane; i++)
                {
                    images[target + i] = (float)((data[source + i] - mean) / std);
                }
            }
        }

        for (int k = 0; k < keep.Count; k++)
        {
            int source = keep[k] * plane;
            for (int i = 0; i < plane; i++)
            {
                masks[(k * plane) + i] = v.Lesion[source + i];
            }
        }

        return (images, masks, keep.Count, channels, v.Height, v.Width);
    }
}
