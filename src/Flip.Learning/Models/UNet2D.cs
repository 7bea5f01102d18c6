namespace Flip.Learning.Models;

/// <summary>A 2D U-Net for prostate gland and lesion segmentation on slices.</summary>
/// <remarks>
/// With the defaults it is exactly BENCHMARKS.md W1: channels 16, 32, 64, 128, 482,754 trainable
/// parameters and a 92-entry state dict in PyTorch's order.
/// </remarks>
public sealed class UNet2D : UNet
{
    /// <summary>Creates the network.</summary>
    /// <param name="inputChannels">Input channels; 3 = T2W, ADC, high-b DWI.</param>
    /// <param name="classes">Output classes; 2 = background, foreground.</param>
    /// <param name="baseChannels">Channels at the first level, doubled per level.</param>
    /// <param name="normalization">The normalisation after each convolution.</param>
    /// <param name="levels">Resolution levels including the bottleneck.</param>
    public UNet2D(int inputChannels = 3, int classes = 2, int baseChannels = 16, Normalization normalization = Normalization.Batch, int levels = 4)
        : base(2, inputChannels, classes, baseChannels, levels, normalization)
    {
    }
}
