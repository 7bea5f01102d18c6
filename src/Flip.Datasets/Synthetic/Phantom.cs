namespace Flip.Datasets.Synthetic;

/// <summary>Renders one patient's T2W, ADC and high-b DWI volumes and masks from a <see cref="PhantomSpec"/>.</summary>
/// <remarks>
/// Tissue signal follows the PI-RADS v2.1 appearance of prostate cancer: in the peripheral zone a
/// lesion is dark on T2W, low on the ADC map and bright on high-b DWI; the transition zone is
/// darker than the peripheral zone on T2W. The scanner then applies its contrast curve, coil bias
/// field, resolution, calibration and noise (<see cref="ScannerAppearance"/>).
/// </remarks>
internal static partial class Phantom
{
    internal const double SliceThicknessMm = 3.0;
    internal const double FieldOfViewMm = 180.0;

    private readonly record struct Ellipsoid(double Cx, double Cy, double Cz, double Rx, double Ry, double Rz)
    {
        public double Distance(double x, double y, double z)
        {
            double dx = (x - Cx) / Rx, dy = (y - Cy) / Ry, dz = (z - Cz) / Rz;
            return (dx * dx) + (dy * dy) + (dz * dz);
        }
    }

    private readonly record struct Lesion(Ellipsoid Shape, double Strength, bool Significant, int Isup, bool Mimic = false);

    public static PatientImages Render(PhantomSpec spec)
    {
        var random = new Random(spec.Seed);
        int n = spec.MatrixSize, d = spec.Slices;
        var (body, gland, transition, lesions) = Anatomy(spec, random);

        int voxels = n * n * d;
        var t2 = new float[voxels];
        var adc = new float[voxels];
        var dwi = new float[voxels];
        var lesionMask = new byte[voxels];
        var glandMask = new byte[voxels];

        for (int z = 0; z < d; z++)
        {
            for (int y = 0; y < n; y++)
            {
                for (int x = 0; x < n; x++)
                {
                    int i = (((z * n) + y) * n) + x;
                    double t2Signal = 0.05, adcSignal = 0.02, dwiSignal = 0.02;
                    if (body.Distance(x, y, z) <= 1)
                    {
                        t2Signal = 0.45;
                        adcSignal = 0.55;
                        dwiSignal = 0.25;
                        if (gland.Distance(x, y, z) <= 1)
                        {
                            glandMask[i] = 1;
                            bool inTransition = transition.Distance(x, y, z) <= 1;
                            t2Signal = inTransition ? 0.5 : 0.82;
                            adcSignal = inTransition ? 0.62 : 0.78;
                            dwiSignal = 0.3;
                            foreach (Lesion lesion in lesions)
                            {
                                double r = lesion.Shape.Distance(x, y, z);
                                if (r <= 1.4)
                                {
                                    // Soft edge: full strength inside, fading to nothing at 1.4 radii.
                                    double weight = r <= 1 ? 1 : (1.4 - r) / 0.4;
                                    double s = lesion.Strength * weight;
                                    t2Signal *= 1 - (0.55 * s);
                                    adcSignal *= 1 - ((lesion.Mimic ? 0.5 : 0.6) * s);
                                    dwiSignal += (lesion.Mimic ? 0.45 : 0.65) * s;
                                    if (lesion.Significant && r <= 1)
                                    {
                                        lesionMask[i] = 1;
                                    }
                                }
                            }
                        }
                    }

                    t2[i] = (float)t2Signal;
                    adc[i] = (float)adcSignal;
                    dwi[i] = (float)dwiSignal;
                }
            }
        }

        float[][] channels = [t2, adc, dwi];
        ApplyScanner(channels, spec.Appearance, n, d, random);
        double inPlane = FieldOfViewMm / n;
        return new PatientImages(n, n, d, (inPlane, inPlane, SliceThicknessMm), SyntheticCohort.ChannelNames, channels, lesionMask, glandMask);
    }

    /// <summary>Draws the body, gland, transition zone and lesions; the first draws of <paramref name="random"/>, so every modality sees the same patient.</summary>
    private static (Ellipsoid Body, Ellipsoid Gland, Ellipsoid Transition, List<Lesion> Lesions) Anatomy(PhantomSpec spec, Random random)
    {
        int n = spec.MatrixSize, d = spec.Slices;
        double c = n / 2.0;
        var body = new Ellipsoid(c + Jitter(random, 0.02 * n), c + Jitter(random, 0.02 * n), d / 2.0,
            n * (0.42 + Jitter(random, 0.03)), n * (0.33 + Jitter(random, 0.03)), d * 10);
        var gland = new Ellipsoid(c + Jitter(random, 0.05 * n), c + (0.06 * n) + Jitter(random, 0.04 * n), (d / 2.0) + Jitter(random, 0.08 * d),
            n * (0.15 + (0.05 * random.NextDouble())), n * (0.12 + (0.04 * random.NextDouble())), d * (0.28 + (0.08 * random.NextDouble())));
        // The transition zone sits anterior (smaller y) and central inside the gland.
        var transition = gland with { Cy = gland.Cy - (0.3 * gland.Ry), Rx = gland.Rx * 0.6, Ry = gland.Ry * 0.55, Rz = gland.Rz * 0.8 };

        var lesions = new List<Lesion>();
        if (spec.IsupGrade < 2 && random.NextDouble() < 0.5)
        {
            // A benign mimic (prostatitis, a BPH nodule): dark on T2W and low on ADC like a cancer,
            // but only mildly bright on DWI, and never in the lesion mask.
            lesions.Add(MakeLesion(random, gland, 1, spec.Appearance.LesionConspicuity, d) with { Mimic = true, Strength = 0.45 + (0.35 * random.NextDouble()) });
        }

        if (spec.IsupGrade >= 1)
        {
            lesions.Add(MakeLesion(random, gland, spec.IsupGrade, spec.Appearance.LesionConspicuity, d));
            if (spec.IsupGrade >= 2 && random.NextDouble() < 0.3)
            {
                lesions.Add(MakeLesion(random, gland, 2 + random.Next(Math.Max(1, spec.IsupGrade - 1)), spec.Appearance.LesionConspicuity, d));
            }
        }

        return (body, gland, transition, lesions);
    }

    private static Lesion MakeLesion(Random random, Ellipsoid gland, int isup, double conspicuity, int depth)
    {
        // Most cancers arise in the peripheral zone: posterior (larger y) half of the gland.
        bool peripheral = random.NextDouble() < 0.75;
        double angle = (peripheral ? 0.15 : -0.85) * Math.PI + (random.NextDouble() * 0.7 * Math.PI);
        double radial = peripheral ? 0.55 + (0.25 * random.NextDouble()) : 0.2 + (0.2 * random.NextDouble());
        double cx = gland.Cx + (Math.Cos(angle) * radial * gland.Rx);
        double cy = gland.Cy + (Math.Sin(angle) * radial * gland.Ry);
        double cz = gland.Cz + Jitter(random, gland.Rz * 0.4);
        double size = isup >= 2 ? 2.5 + (2.5 * random.NextDouble()) + (0.4 * (isup - 2)) : 1.8 + random.NextDouble();
        var shape = new Ellipsoid(cx, cy, cz, size, size * (0.8 + (0.3 * random.NextDouble())), Math.Max(0.8, depth * 0.07 * (1 + random.NextDouble())));
        double strength = isup switch { 1 => 0.3, 2 => 0.35, 3 => 0.45, 4 => 0.6, _ => 0.75 } * conspicuity;
        return new Lesion(shape, Math.Min(1, strength), isup >= 2, isup);
    }

    private static void ApplyScanner(float[][] channels, ScannerAppearance look, int n, int d, Random random)
    {
        // Coil sensitivity: a smooth gradient in a random in-plane direction.
        double direction = random.NextDouble() * 2 * Math.PI;
        double bx = Math.Cos(direction), by = Math.Sin(direction);
        var scratch = new float[n * n];
        for (int ch = 0; ch < channels.Length; ch++)
        {
            float[] v = channels[ch];
            for (int z = 0; z < d; z++)
            {
                for (int pass = 0; pass < look.BlurPasses; pass++)
                {
                    BoxBlur(v, z * n * n, n, scratch);
                }
            }

            double scale = look.IntensityScale[ch], offset = look.IntensityOffset[ch];
            for (int i = 0; i < v.Length; i++)
            {
                int x = i % n, y = i / n % n;
                double bias = 1 + (look.BiasField * ((((x - (n / 2.0)) * bx) + ((y - (n / 2.0)) * by)) / n));
                double signal = Math.Pow(Math.Max(v[i], 0), look.Gamma) * bias;
                v[i] = (float)((scale * (signal + (2.0 * look.NoiseSigma * Gaussian(random)))) + offset);
            }
        }
    }

    private static void BoxBlur(float[] v, int start, int n, float[] scratch)
    {
        for (int y = 0; y < n; y++)
        {
            for (int x = 0; x < n; x++)
            {
                double sum = 0;
                int count = 0;
                for (int dy = -1; dy <= 1; dy++)
                {
                    for (int dx = -1; dx <= 1; dx++)
                    {
                        int xx = x + dx, yy = y + dy;
                        if (xx >= 0 && xx < n && yy >= 0 && yy < n)
                        {
                            sum += v[start + (yy * n) + xx];
                            count++;
                        }
                    }
                }

                scratch[(y * n) + x] = (float)(sum / count);
            }
        }

        Array.Copy(scratch, 0, v, start, n * n);
    }

    private static double Jitter(Random random, double amplitude) => (random.NextDouble() * 2 - 1) * amplitude;

    private static double Gaussian(Random random)
    {
        double u1 = 1.0 - random.NextDouble();
        double u2 = random.NextDouble();
        return Math.Sqrt(-2.0 * Math.Log(u1)) * Math.Cos(2 * Math.PI * u2);
    }
}
