namespace Flip.Datasets.Synthetic;

/// <summary>How big and which synthetic FLIP-6 cohort to build.</summary>
public sealed record SyntheticCohortOptions
{
    /// <summary>Fraction of the full-scale cohort (about 3,500 patients).</summary>
    /// <value>0.08: about 280 patients, enough for the default run on a laptop CPU.</value>
    public double Scale { get; init; } = 0.08;

    /// <summary>Seed of every random choice; the same seed gives the same cohort, voxel for voxel.</summary>
    /// <value>7.</value>
    public int Seed { get; init; } = 7;

    /// <summary>In-plane matrix size (width = height) in voxels.</summary>
    /// <value>64.</value>
    public int MatrixSize { get; init; } = 64;

    /// <summary>Slices per volume.</summary>
    /// <value>12.</value>
    public int Slices { get; init; } = 12;

    /// <summary>Whether patients at hospitals with PSMA-PET load a fourth channel, <c>PET</c> (SUV resampled to the MRI grid).</summary>
    /// <value><see langword="false"/>: every patient loads T2W, ADC and DWI only, so all hospitals share one channel set.</value>
    public bool PetChannel { get; init; }

    /// <summary>Every problem with these options, not just the first.</summary>
    /// <returns>Problem sentences; empty when valid.</returns>
    public IEnumerable<string> Validate()
    {
        if (Scale is <= 0 or > 1)
        {
            yield return $"Scale must be in (0, 1] (got {Scale}).";
        }

        if (MatrixSize is < 32 or > 512)
        {
            yield return $"MatrixSize must be between 32 and 512 voxels (got {MatrixSize}).";
        }

        if (Slices is < 4 or > 128)
        {
            yield return $"Slices must be between 4 and 128 (got {Slices}).";
        }
    }
}
