using Flip.Imaging.Volumes;

namespace Flip.Datasets.Synthetic;

/// <summary>
/// FLIP-6: a synthetic prostate MRI cohort of six hospitals in three countries, the embedded default
/// every user can run on without downloading data.
/// </summary>
/// <remarks>
/// Three Norwegian, two Dutch and one Taiwanese hospital, as in the real study. Hospitals differ as
/// real ones do: vendor and field strength, contrast curve, noise, coil bias field, resolution,
/// lesion conspicuity, patient count and csPCa prevalence. Each patient is a digital phantom: pelvis,
/// prostate with peripheral and transition zones, 0–2 lesions with ISUP grades; T2W (lesions dark),
/// ADC (lesions low), high-b DWI (lesions bright); at hospitals with PSMA-PET also a PET SUV volume
/// (lesions take up the tracer) on a coarser grid, kept out of the training channels unless
/// <see cref="SyntheticCohortOptions.PetChannel"/> asks for it. Names, ids and birth dates are fake but plausible,
/// so privacy tests have something to catch. Everything is a function of the seed.
/// </remarks>
public static class SyntheticCohort
{
    /// <summary>The phantom of each patient at a hospital with PET, so its PET can be rendered and written.</summary>
    private static readonly System.Runtime.CompilerServices.ConditionalWeakTable<Patient, PhantomSpec> Specs = [];

    /// <summary>The channel names of every patient, in order.</summary>
    public static IReadOnlyList<string> ChannelNames { get; } = ["T2W", "ADC", "DWI"];

    /// <summary>The six hospitals at full scale.</summary>
    public static IReadOnlyList<SiteProfile> Flip6Sites { get; } =
    [
        new("site-1", "Fjordheim University Hospital", "Norway", "Siemens", 3.0, true, 900, 0.38,
            new([1.0, 1.0, 1.0], [0.0, 0.0, 0.0], 1.0, 0.04, 0.10, 0, 1.00)),
        new("site-2", "Nordlys Hospital", "Norway", "GE", 1.5, false, 450, 0.30,
            new([1.6, 0.8, 1.3], [0.10, 0.0, 0.05], 1.35, 0.10, 0.35, 1, 0.80)),
        new("site-3", "Vestkyst Hospital", "Norway", "Philips", 3.0, false, 600, 0.42,
            new([0.7, 1.2, 0.9], [0.0, 0.05, 0.0], 0.80, 0.05, 0.15, 0, 1.00)),
        new("site-4", "Amstelpolder Medical Centre", "Netherlands", "Siemens", 3.0, true, 700, 0.45,
            new([1.1, 1.0, 1.1], [0.0, 0.0, 0.0], 1.0, 0.05, 0.20, 0, 0.95)),
        new("site-5", "Waddenzee Hospital", "Netherlands", "Philips", 1.5, false, 500, 0.33,
            new([0.9, 1.1, 1.2], [0.05, 0.0, 0.0], 1.15, 0.11, 0.40, 1, 0.75)),
        new("site-6", "Tamsui Veterans Hospital", "Taiwan", "GE", 3.0, true, 350, 0.50,
            new([2.2, 0.6, 1.8], [0.30, -0.05, 0.20], 0.70, 0.06, 0.25, 0, 0.90)),
    ];

    /// <summary>Builds FLIP-6. Images are generated when a patient's images are loaded.</summary>
    /// <param name="options">Scale, seed, matrix size; <see langword="null"/> for the defaults.</param>
    /// <returns>The cohort.</returns>
    /// <exception cref="FlipException">The options are invalid (every problem listed).</exception>
    public static Cohort Flip6(SyntheticCohortOptions? options = null)
    {
        options ??= new SyntheticCohortOptions();
        string[] problems = [.. options.Validate()];
        if (problems.Length > 0)
        {
            throw new FlipException("invalid synthetic cohort options: " + string.Join(" ", problems), ExitCodes.BadCommandLine);
        }

        var sites = new List<CohortSite>();
        for (int s = 0; s < Flip6Sites.Count; s++)
        {
            SiteProfile profile = Flip6Sites[s];
            var random = new Random(Mix(options.Seed, s + 1, 0));
            int count = Math.Max(8, (int)Math.Round(profile.FullScalePatients * options.Scale));
            int positives = (int)Math.Round(count * profile.CsPcaPrevalence);
            var patients = new List<Patient>(count);
            for (int p = 0; p < count; p++)
            {
                int isup = p < positives ? PositiveGrade(random) : (random.NextDouble() < 0.4 ? 1 : 0);
                int patientSeed = Mix(options.Seed, s + 1, p + 1);
                PatientIdentity identity = FakeIdentities.Create(profile.Country, s, p, random);
                var spec = new PhantomSpec(profile.Appearance, isup, patientSeed, options.MatrixSize, options.Slices);
                Func<PatientImages> load = options.PetChannel && profile.HasPet ? () => WithPet(Phantom.Render(spec), spec) : () => Phantom.Render(spec);
                var patient = new Patient($"{profile.Id}/p{p + 1:D4}", isup, identity, load);
                if (profile.HasPet)
                {
                    Specs.Add(patient, spec);
                }

                patients.Add(patient);
            }

            // Shuffle so positives are not all first, deterministically.
            for (int i = patients.Count - 1; i > 0; i--)
            {
                int j = random.Next(i + 1);
                (patients[i], patients[j]) = (patients[j], patients[i]);
            }

            sites.Add(new CohortSite(profile.Id, profile.DisplayName, profile.Country, profile.Vendor,
                profile.FieldStrengthTesla, profile.HasPet, patients));
        }

        return new Cohort("FLIP-6", "Synthetic prostate MRI cohort: six hospitals in Norway, the Netherlands and Taiwan.", sites);
    }

    /// <summary>The patient's PSMA-PET as body-weight SUV on the PET grid (half the MRI's in-plane resolution), in the geometry the writer gives its PT series.</summary>
    /// <param name="patient">A patient of a FLIP-6 hospital with PET.</param>
    /// <returns>The SUV volume, or <see langword="null"/> when the patient has no PET (its hospital has none, or it is not a synthetic patient).</returns>
    public static Volume? LoadPet(Patient patient)
    {
        ArgumentNullException.ThrowIfNull(patient);
        if (SpecOf(patient) is not { } spec)
        {
            return null;
        }

        var (suv, w, h, d) = Phantom.RenderPet(spec);
        double inPlane = Phantom.FieldOfViewMm / spec.MatrixSize;
        var mri = SyntheticCohortWriter.GeometryOf(spec.MatrixSize, spec.MatrixSize, spec.Slices, (inPlane, inPlane, Phantom.SliceThicknessMm));
        return new Volume(PetSeriesWriter.GeometryOf(mri, w, h, d), suv);
    }

    internal static PhantomSpec? SpecOf(Patient patient) => Specs.TryGetValue(patient, out PhantomSpec? spec) ? spec : null;

    /// <summary>Adds the PET channel, resampled (trilinear) from the PET grid to the MRI grid.</summary>
    private static PatientImages WithPet(PatientImages images, PhantomSpec spec)
    {
        var (suv, w, h, d) = Phantom.RenderPet(spec);
        VolumeGeometry mri = SyntheticCohortWriter.GeometryOf(images);
        Volume onMri = VolumeResampler.ToGrid(new Volume(PetSeriesWriter.GeometryOf(mri, w, h, d), suv), mri, Interpolation.Linear);
        return new PatientImages(images.Width, images.Height, images.Depth, images.SpacingMm, [.. images.ChannelNames, "PET"],
            [.. images.Channels, onMri.Voxels], images.Lesion, images.Gland);
    }

    private static int PositiveGrade(Random random)
    {
        double u = random.NextDouble();
        return u < 0.4 ? 2 : u < 0.7 ? 3 : u < 0.9 ? 4 : 5;
    }

    internal static int Mix(int seed, int a, int b)
    {
        unchecked
        {
            uint h = (uint)seed * 0x9E3779B1u ^ (uint)a * 0x85EBCA77u ^ (uint)b * 0xC2B2AE3Du;
            h ^= h >> 15;
            h *= 0x2C1B3C6Du;
            h ^= h >> 12;
            return (int)(h & 0x7FFFFFFF);
        }
    }
}
