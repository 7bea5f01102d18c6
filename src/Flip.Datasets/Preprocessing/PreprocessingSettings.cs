using System.Globalization;

namespace Flip.Datasets.Preprocessing;

/// <summary>How volumes become training samples. Every setting that changes a sample's content is part of the cache key.</summary>
public sealed record PreprocessingSettings
{
    /// <summary>The spacing (x, y, z) in millimetres every patient is resampled to first, or <see langword="null"/> to keep each volume's own.</summary>
    /// <value><see langword="null"/>: no resampling (the synthetic cohort's sites share one grid).</value>
    public (double X, double Y, double Z)? SpacingMm { get; init; }

    /// <summary>Side of the square in-plane crop around the gland's centre, in voxels (zero-padded outside the image); 0 keeps whole slices.</summary>
    /// <value>32.</value>
    public int CropSize { get; init; } = 32;

    /// <summary>How many times each training slice that contains lesion appears (1 = no oversampling). Applied after the cache, so it does not change the key.</summary>
    /// <value>1.</value>
    public int LesionOversampling { get; init; } = 1;

    /// <summary>The default: no resampling, 32-voxel crop, no oversampling — exactly what <see cref="Samples.SliceSetBuilder.Build"/> makes.</summary>
    public static PreprocessingSettings Default { get; } = new();

    /// <summary>The text hashed into the cache key: every setting that changes a cached sample, plus the format version.</summary>
    /// <returns>A stable, culture-invariant description.</returns>
    public string CacheText()
        => string.Create(CultureInfo.InvariantCulture,
            $"flip-samples/v1;slices2d;zscore-per-volume-channel;crop={CropSize};spacing={(SpacingMm is { } s ? $"{s.X:R}x{s.Y:R}x{s.Z:R}" : "native")}");

    /// <summary>Every problem with these settings.</summary>
    /// <returns>Problem sentences; empty when valid.</returns>
    public IEnumerable<string> Validate()
    {
        if (CropSize is < 0 or > 1024)
        {
            yield return $"CropSize must be between 0 and 1024 voxels (got {CropSize}).";
        }

        if (LesionOversampling is < 1 or > 100)
        {
            yield return $"LesionOversampling must be between 1 and 100 (got {LesionOversampling}).";
        }

        if (SpacingMm is { } s && !(s.X > 0 && s.Y > 0 && s.Z > 0))
        {
            yield return $"SpacingMm must be above 0 on every axis (got {s.X}×{s.Y}×{s.Z}).";
        }
    }
}
