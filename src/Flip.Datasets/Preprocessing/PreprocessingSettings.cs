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

    /// <summary>What the pipeline makes: 2D slices through the gland, or one 3D crop per patient.</summary>
    /// <value><see cref="SampleOutput.Slices2D"/>.</value>
    public SampleOutput Output { get; init; } = SampleOutput.Slices2D;

    /// <summary>The size (x, y, z) in voxels of the 3D crop around the gland's bounding-box centre (zero-padded outside the volume); used with <see cref="SampleOutput.Crops3D"/>.</summary>
    /// <value>32×32×8.</value>
    public (int Width, int Height, int Depth) Crop3D { get; init; } = (32, 32, 8);

    /// <summary>How many times each training slice that contains lesion appears (1 = no oversampling). Applied after the cache, so it does not change the key.</summary>
    /// <value>1.</value>
    public int LesionOversampling { get; init; } = 1;

    /// <summary>The default: no resampling, 32-voxel crop, no oversampling — exactly what <see cref="Samples.SliceSetBuilder.Build"/> makes.</summary>
    public static PreprocessingSettings Default { get; } = new();

    /// <summary>The text hashed into the cache key: every setting that changes a cached sample, plus the format version.</summary>
    /// <returns>A stable, culture-invariant description.</returns>
    public string CacheText()
        => string.Create(CultureInfo.InvariantCulture,
            $"flip-samples/v{SampleCache.FormatVersion};{Shape()};zscore-per-volume-channel;spacing={(SpacingMm is { } s ? $"{s.X:R}x{s.Y:R}x{s.Z:R}" : "native")}");

    private string Shape() => Output == SampleOutput.Crops3D
        ? string.Create(CultureInfo.InvariantCulture, $"crops3d;crop={Crop3D.Width}x{Crop3D.Height}x{Crop3D.Depth}")
        : string.Create(CultureInfo.InvariantCulture, $"slices2d;crop={CropSize}");

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

        if (!Enum.IsDefined(Output))
        {
            yield return $"Output must be Slices2D or Crops3D (got {(int)Output}).";
        }

        if (Crop3D is var (w, h, d) && (w is < 1 or > 1024 || h is < 1 or > 1024 || d is < 1 or > 1024))
        {
            yield return $"Crop3D must be between 1 and 1024 voxels on every axis (got {w}×{h}×{d}).";
        }

        if (SpacingMm is { } s && !(s.X > 0 && s.Y > 0 && s.Z > 0))
        {
            yield return $"SpacingMm must be above 0 on every axis (got {s.X}×{s.Y}×{s.Z}).";
        }
    }
}

/// <summary>What a <see cref="SamplePipeline"/> makes of each patient.</summary>
public enum SampleOutput
{
    /// <summary>Every slice that contains prostate, cropped in-plane (<see cref="Samples.SliceSet"/>).</summary>
    Slices2D,

    /// <summary>One fixed-size 3D crop around the gland per patient (<see cref="Samples.CropSet"/>).</summary>
    Crops3D,
}
