using TorchSharp;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace Flip.Learning.Models;

/// <summary>Two (3×3 or 3×3×3 convolution without bias → normalisation → ReLU) blocks.</summary>
/// <remarks>The <c>DoubleConv</c> of BENCHMARKS.md W1; field names are the state-dict keys.</remarks>
public sealed class DoubleConv : Module<Tensor, Tensor>
{
#pragma warning disable IDE1006 // state-dict keys mirror PyTorch's module names
    private readonly Module<Tensor, Tensor> conv1;
    private readonly Module<Tensor, Tensor> bn1;
    private readonly Module<Tensor, Tensor> conv2;
    private readonly Module<Tensor, Tensor> bn2;
#pragma warning restore IDE1006

    /// <summary>Creates the block.</summary>
    /// <param name="inputChannels">Channels in.</param>
    /// <param name="outputChannels">Channels out.</param>
    /// <param name="normalization">The normalisation after each convolution.</param>
    /// <param name="dimensions">2 or 3 spatial dimensions.</param>
    public DoubleConv(long inputChannels, long outputChannels, Normalization normalization = Normalization.Batch, int dimensions = 2)
        : base(nameof(DoubleConv))
    {
        conv1 = Convolution(inputChannels, outputChannels, dimensions);
        bn1 = NormLayers.Create(normalization, (int)outputChannels, dimensions);
        conv2 = Convolution(outputChannels, outputChannels, dimensions);
        bn2 = NormLayers.Create(normalization, (int)outputChannels, dimensions);
        RegisterComponents();
    }

    /// <inheritdoc />
    public override Tensor forward(Tensor input)
    {
        using Tensor first = functional.relu(NormLayers.Forward(bn1, conv1.forward(input)));
        return functional.relu(NormLayers.Forward(bn2, conv2.forward(first)));
    }

    internal static Module<Tensor, Tensor> Convolution(long input, long output, int dimensions) => dimensions switch
    {
        2 => Conv2d(input, output, 3, padding: 1, bias: false),
        3 => Conv3d(input, output, 3, padding: 1, bias: false),
        _ => throw new ArgumentOutOfRangeException(nameof(dimensions), dimensions, "expected 2 or 3 spatial dimensions"),
    };

    /// <inheritdoc />
    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            conv1.Dispose();
            bn1.Dispose();
            conv2.Dispose();
            bn2.Dispose();
        }

        base.Dispose(disposing);
    }
}
