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
