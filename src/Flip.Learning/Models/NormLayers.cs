using TorchSharp;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace Flip.Learning.Models;

/// <summary>Builds the normalisation module <see cref="Normalization"/> names, in 2D or 3D.</summary>
internal static class NormLayers
{
    public static Module<Tensor, Tensor> Create(Normalization kind, int channels, int dimensions) => (kind, dimensions) switch
    {
        (Normalization.Batch, 2) => BatchNorm2d(channels),
        (Normalization.Batch, 3) => BatchNorm3d(channels),
        (Normalization.Instance, 2) => InstanceNorm2d(channels, affine: true),
        (Normalization.Instance, 3) => InstanceNorm3d(channels, affine: true),
        (Normalization.Group, _) => GroupNorm(Groups(channels), channels),
        _ => throw new ArgumentOutOfRangeException(nameof(dimensions), dimensions, "expected 2 or 3 spatial dimensions"),
    };

    // Held in a static field for the life of the process, so no finalizer can free it while libtorch reads it.
    private static readonly Scalar One = 1L.ToScalar();

    /// <summary>
    /// Runs a normalisation module. BatchNorm runs here, as TorchSharp's <c>BatchNorm.forward</c> does, except that it
    /// counts <c>num_batches_tracked</c> with a Scalar that lives as long as the process: TorchSharp's own
    /// <c>num_batches_tracked.add_(1)</c> makes temporary Scalars the GC may finalize while libtorch still reads them,
    /// and a site's training then failed now and then with "For integral input tensors, argument alpha must not be a
    /// floating point number" (seen once in 300 site-rounds of the default simulate).
    /// </summary>
    /// <param name="norm">A module <see cref="Create"/> made.</param>
    /// <param name="input">Its input.</param>
    /// <returns>Its output.</returns>
    public static Tensor Forward(Module<Tensor, Tensor> norm, Tensor input)
    {
        if (norm is not TorchSharp.Modules.BatchNorm bn)
        {
            return norm.forward(input);
        }

        double factor = bn.momentum ?? 0.0;
        if (bn.training && bn.track_running_stats && bn.num_batches_tracked is { } count)
        {
            count.add_(One, One);
            // No momentum: the cumulative average, as PyTorch's momentum=None
            factor = bn.momentum is null or 0 ? 1.0 / count.item<long>() : bn.momentum.Value;
        }

        bool statistics = !bn.training || bn.track_running_stats;
        return functional.batch_norm(input, statistics ? bn.running_mean : null, statistics ? bn.running_var : null, bn.weight, bn.bias,
            bn.training || bn.running_mean is null || bn.running_var is null, factor, bn.eps);
    }

    public static bool IsNormalization(nn.Module module) => module is
        TorchSharp.Modules.BatchNorm1d or TorchSharp.Modules.BatchNorm2d or TorchSharp.Modules.BatchNorm3d
        or TorchSharp.Modules.InstanceNorm1d or TorchSharp.Modules.InstanceNorm2d or TorchSharp.Modules.InstanceNorm3d
        or TorchSharp.Modules.GroupNorm or TorchSharp.Modules.LayerNorm;

    private static int Groups(int channels)
    {
        int groups = Math.Min(8, channels);
        while (channels % groups != 0)
        {
            groups--;
        }

        return groups;
    }
}
