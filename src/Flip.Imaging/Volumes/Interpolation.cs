namespace Flip.Imaging.Volumes;

/// <summary>How resampling computes a value between voxel centres.</summary>
public enum Interpolation
{
    /// <summary>Trilinear: for images.</summary>
    Linear,

    /// <summary>Nearest neighbour: for label masks, which must keep their label values.</summary>
    Nearest,
}
