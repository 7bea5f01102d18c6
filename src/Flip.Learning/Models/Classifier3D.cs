using TorchSharp;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace Flip.Learning.Models;

/// <summary>A small 3D CNN that scores a patient's volume for clinically significant cancer.</summary>
/// <remarks>
/// With the defaults it is exactly BENCHMARKS.md W2: four <c>Conv3d(k=3, padding=1, bias=False) →
/// BatchNorm3d → ReLU</c> blocks with 16, 32, 64, 128 channels, <c>max_pool3d(2)</c> after the first
/// three, global average pooling and <c>Linear(128, 2)</c>; 292,338 trainable parameters.
/// </remarks>
public sealed class Classifier3D : Module<Tensor, Tensor>
{
#pragma warning disable IDE1006 // state-dict keys mirror PyTorch's module names
    private readonly ConvBlock block1;
    private readonly ConvBlock block2;
    private readonly ConvBlock block3;
    private readonly ConvBlock block4;
    private readonly Module<Tensor, Tensor> fc;
#pragma warning restore IDE1006

    /// <summary>Creates the network.</summary>
    /// <param name="inputChannels">Input channels; 3 = T2W, ADC, high-b DWI.</param>
    /// <param name="classes">Output classes; 2 = no csPCa, csPCa.</param>
    /// <param name="baseChannels">Channels of the first block, doubled per block.</param>
    /// <param name="normalization">The normalisation after each convolution.</param>
    public Classifier3D(int inputChannels = 3, int classes = 2, int baseChannels = 16, Normalization normalization = Normalization.Batch)
        : base(nameof(Classifier3D))
    {
        block1 = new ConvBlock(inputChannels, baseChannels, normalization);
        block2 = new ConvBlock(baseChannels, baseChannels * 2, normalization);
        block3 = new ConvBlock(baseChannels * 2, baseChannels * 4, normalization);
        block4 = new ConvBlock(baseChannels * 4, baseChannels * 8, normalization);
        fc = Linear(baseChannels * 8, classes);

        // One by one, in PyTorch's order (RegisterComponents() groups fields by type).
        register_module(nameof(block1), block1);
        register_module(nameof(block2), block2);
        register_module(nameof(block3), block3);
        register_module(nameof(block4), block4);
        register_module(nameof(fc), fc);
    }

    /// <inheritdoc />
    public override Tensor forward(Tensor input)
    {
        using var scope = NewDisposeScope();
        Tensor x = functional.max_pool3d(block1.forward(input), [2, 2, 2]);
        x = functional.max_pool3d(block2.forward(x), [2, 2, 2]);
        x = functional.max_pool3d(block3.forward(x), [2, 2, 2]);
        x = block4.forward(x);
        x = functional.adaptive_avg_pool3d(x, 1).flatten(1);
        return fc.forward(x).MoveToOuterDisposeScope();
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

    /// <summary><c>Conv3d → norm → ReLU</c>, with PyTorch's <c>conv</c>/<c>bn</c> names.</summary>
    private sealed class ConvBlock : Module<Tensor, Tensor>
    {
#pragma warning disable IDE1006
        private readonly Module<Tensor, Tensor> conv;
        private readonly Module<Tensor, Tensor> bn;
#pragma warning restore IDE1006

        public ConvBlock(int input, int output, Normalization normalization)
            : base(nameof(ConvBlock))
        {
            conv = DoubleConv.Convolution(input, output, 3);
            bn = NormLayers.Create(normalization, output, 3);
            RegisterComponents();
        }

        public override Tensor forward(Tensor input) => functional.relu(NormLayers.Forward(bn, conv.forward(input)));
    }
}
