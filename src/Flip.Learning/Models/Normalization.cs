namespace Flip.Learning.Models;

/// <summary>Which normalisation layer follows each convolution.</summary>
/// <remarks>
/// FedBN (Li et al., 2021, arXiv:2102.07623) keeps exactly these layers at each site, so a model
/// must say which of its parameters are normalisation parameters
/// (<see cref="ModelState.NormalizationKeys"/>).
/// </remarks>
public enum Normalization
{
    /// <summary>BatchNorm (eps 1e-5, momentum 0.1, affine, running statistics), as in BENCHMARKS.md W1/W2.</summary>
    Batch,

    /// <summary>InstanceNorm with affine parameters and no running statistics.</summary>
    Instance,

    /// <summary>GroupNorm with 8 groups (or fewer when the channel count is smaller).</summary>
    Group,
}
