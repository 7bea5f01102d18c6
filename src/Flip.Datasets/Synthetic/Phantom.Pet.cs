namespace Flip.Datasets.Synthetic;

/// <summary>The PSMA-PET part of the phantom: SUV on a coarser grid than the MRI.</summary>
internal static partial class Phantom
{
    /// <summary>In-plane PET voxels are this many MRI voxels wide (PET's resolution is about half of MRI's).</summary>
    public const int PetDownsampling = 2;

    /// <summary>
    /// Renders body-weight SUV on a grid of (n / 2)² × slices voxels covering the MRI's field of view:
    /// soft tissue about 0.4, the prostate's physiological PSMA uptake about 2 (peripheral zone) and 1.5
    /// (transition zone), a csPCa lesion 5–14 rising with its ISUP grade, an ISUP 1 lesion or a benign
    /// mimic only mildly above the gland; then the scanner's point-spread function (two 3×3 passes)
    /// and multiplicative noise.
    /// </summary>
    /// <param name="spec">The patient (the same anatomy as <see cref="Render"/> draws).</param>
    /// <returns>SUV values, x-fastest, and the PET matrix size.</returns>
    public static (float[] Suv, int Width, int Height, int Depth) RenderPet(PhantomSpec spec)
    {
        var random = new Random(spec.Seed);
        var (body, gland, transition, lesions) = Anatomy(spec, random);
        var noise = new Random(SyntheticCohort.Mix(spec.Seed, 0x50455400, 1));
        int f = PetDownsampling, w = spec.MatrixSize / f, d = spec.Slices;
        var suv = new float[w * w * d];
        for (int z = 0; z < d; z++)
        {
            for (int j = 0; j < w; j++)
            {
                for (int i = 0; i < w; i++)
                {
                    // The PET voxel's centre in MRI voxel coordinates.
                    double x = (i * f) + ((f - 1) / 2.0), y = (j * f) + ((f - 1) / 2.0);
                    double value = 0.02;
                    if (body.Distance(x, y, z) <= 1)
                    {
                        value = 0.4;
                        if (gland.Distance(x, y, z) <= 1)
                        {
                            value = transition.Distance(x, y, z) <= 1 ? 1.5 : 2.0;
                            foreach (Lesion lesion in lesions)
                            {
                                double r = lesion.Shape.Distance(x, y, z);
                                if (r <= 1.4)
                                {
                                    double weight = r <= 1 ? 1 : (1.4 - r) / 0.4;
                                    double uptake = lesion.Mimic || !lesion.Significant ? 3.0 : 5.0 + (2.2 * (lesion.Isup - 2));
                                    value = Math.Max(value, value + ((uptake - value) * weight));
                                }
                            }
                        }
                    }

                    suv[(((z * w) + j) * w) + i] = (float)value;
                }
            }
        }

        var scratch = new float[w * w];
        for (int z = 0; z < d; z++)
        {
            BoxBlur(suv, z * w * w, w, scratch);
            BoxBlur(suv, z * w * w, w, scratch);
        }

        for (int v = 0; v < suv.Length; v++)
        {
            suv[v] = (float)Math.Max(0, suv[v] * (1 + (0.08 * Gaussian(noise))));
        }

        return (suv, w, w, d);
    }
}
