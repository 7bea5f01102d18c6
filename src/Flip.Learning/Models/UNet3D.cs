namespace Flip.Learning.Models;

/// <summary>A 3D U-Net for whole-volume segmentation (Çiçek et al., 2016, arXiv:1606.06650).</summary>
public sealed class UNet3D : UNet
{
    /// <summary>Creates the network.</summary>
    /// <param name="inputChannels">Input channels; 3 = T2W, ADC, high-b DWI.</param>
    /// <param name="classes">Output classes.</param>
    /// <param name="baseChannels">Channels at the first level, doubled per level.</param>
    /// <param name="normalization">The normalisation after each convolution; InstanceNorm is the usual choice in 3D.</param>
    /// <param name="levels">Resolution levels including the bottleneck; each input size must divide by 2^(levels−1).</param>
    public UNet3D(int inputChannels = 3, int classes = 2, int baseChannels = 8, Normalization normalization = Normalization.Instance, int levels = 4)
        : base(3, inputChannels, classes, baseChannels, levels, normalization)
    {
    }
}
