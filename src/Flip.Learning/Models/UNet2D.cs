using TorchSharp;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace Flip.Learning.Models;

/// <summary>A 4-level 2D U-Net for prostate gland and lesion segmentation.</summary>
/// <remarks>
/// With the defaults it is exactly BENCHMARKS.md W1: channels 16, 32, 64, 128, 3×3 convolutions
/// without bias followed by BatchNorm and ReLU, max-pool down, 2×2 transposed convolutions up,
/// skip concatenation <c>[upsampled, skip]</c>, a 1×1 head; 482,754 trainable parameters and a
/// 92-entry state dict in PyTorch's order (Ronneberger et al., 2015, arXiv:1505.04597).
/// </remarks>
public sealed class UNet2D : Module<Tensor, Tensor>
{
#pragma warning disable IDE1006 // state-dict keys mirror PyTorch's module names
    private readonly DoubleConv enc1;
    private readonly DoubleConv enc2;
    private readonly DoubleConv enc3;
    private readonly DoubleConv bottleneck;
    private readonly Module<Tensor, Tensor> up3;
    private readonly DoubleConv dec3;
    private readonly Module<Tensor, Tensor> up2;
    private readonly DoubleConv dec2;
    private readonly Module<Tensor, Tensor> up1;
    private readonly DoubleConv dec1;
    private readonly Module<Tensor, Tensor> head;
#pragma warning restore IDE1006

    /// <summary>Creates the network.</summary>
    /// <param name="inputChannels">Input channels; 3 = T2W, ADC, high-b DWI.</param>
    /// <param name="classes">Output classes; 2 = background, foreground.</param>
    /// <param name="baseChannels">Channels at the first level, doubled per level.</param>
    /// <param name="normalization">The normalisation after each convolution.</param>
    public UNet2D(int inputChannels = 3, int classes = 2, int baseChannels = 16, Normalization normalization = Normalization.Batch)
        : base(nameof(UNet2D))
    {
        int c1 = baseChannels, c2 = baseChannels * 2, c3 = baseChannels * 4, c4 = baseChannels * 8;
        enc1 = new DoubleConv(inputChannels, c1, normalization);
        enc2 = new DoubleConv(c1, c2, normalization);
        enc3 = new DoubleConv(c2, c3, normalization);
        bottleneck = new DoubleConv(c3, c4, normalization);
        up3 = ConvTranspose2d(c4, c3, 2, stride: 2);
        dec3 = new DoubleConv(2 * c3, c3, normalization);
        up2 = ConvTranspose2d(c3, c2, 2, stride: 2);
        dec2 = new DoubleConv(2 * c2, c2, normalization);
        up1 = ConvTranspose2d(c2, c1, 2, stride: 2);
        dec1 = new DoubleConv(2 * c1, c1, normalization);
        head = Conv2d(c1, classes, 1);

        // Registered one by one: RegisterComponents() groups fields by type, and the order here is
        // the state-dict order PyTorch users and Flower peers expect.
        register_module(nameof(enc1), enc1);
        register_module(nameof(enc2), enc2);
        register_module(nameof(enc3), enc3);
        register_module(nameof(bottleneck), bottleneck);
        register_module(nameof(up3), up3);
        register_module(nameof(dec3), dec3);
        register_module(nameof(up2), up2);
        register_module(nameof(dec2), dec2);
        register_module(nameof(up1), up1);
        register_module(nameof(dec1), dec1);
        register_module(nameof(head), head);
    }

    /// <inheritdoc />
    public override Tensor forward(Tensor input)
    {
        using var scope = NewDisposeScope();
        Tensor e1 = enc1.forward(input);
        Tensor e2 = enc2.forward(functional.max_pool2d(e1, 2));
        Tensor e3 = enc3.forward(functional.max_pool2d(e2, 2));
        Tensor b = bottleneck.forward(functional.max_pool2d(e3, 2));
        Tensor d3 = dec3.forward(cat([up3.forward(b), e3], 1));
        Tensor d2 = dec2.forward(cat([up2.forward(d3), e2], 1));
        Tensor d1 = dec1.forward(cat([up1.forward(d2), e1], 1));
        return head.forward(d1).MoveToOuterDisposeScope();
    }

    /// <inheritdoc />
    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            foreach (var (_, child) in named_children())
            {
                child.Dispose();
            }
        }

        base.Dispose(disposing);
    }
}
