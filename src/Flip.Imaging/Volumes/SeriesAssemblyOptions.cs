namespace Flip.Imaging.Volumes;

/// <summary>How strictly slices must line up to form a volume.</summary>
public sealed record SeriesAssemblyOptions
{
    /// <summary>The default options.</summary>
    public static SeriesAssemblyOptions Default { get; } = new();

    /// <summary>Largest accepted relative difference between a slice gap and the median gap.</summary>
    /// <value>0.05 (5 %).</value>
    public double SpacingTolerance { get; init; } = 0.05;

    /// <summary>Largest accepted difference between direction cosines of slices.</summary>
    /// <value>1e-3.</value>
    public double OrientationTolerance { get; init; } = 1e-3;
}
