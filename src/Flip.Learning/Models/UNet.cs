using TorchSharp;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace Flip.Learning.Models;

/// <summary>A U-Net in 2 or 3 spatial dimensions with a configurable number of levels.</summary>
/// <remarks>
/// Ronneberger et al., 2015 (arXiv:1505.04597); 3D as in Çiçek et al., 2016 (arXiv:1606.06650).
/// Level k has <c>baseChannels · 2^(k−1)</c> channels; every convolution is 3×3(×3) without bias,
/// then normalisation and ReLU; max-pooling down, 2×(2×)2 transposed convolutions up, skip
/// concatenation <c>[upsampled, skip]</c>, a 1×1 head. Modules are registered in PyTorch's order
/// (enc1 … bottleneck, up_k, dec_k from the deepest level, head), so with 4 levels in 2D the state
/// dict is exactly BENCHMARKS.md W1's.
/// </remarks>
public class UNet : Module<Tensor, Tensor>
{
    private readonly List<DoubleConv> _encoders = [];
    private readonly DoubleConv _bottleneck;
    private readonly List<Module<Tensor, Tensor>> _ups = [];
    private readonly List<DoubleConv> _decoders = [];
    private readonly Module<Tensor, Tensor> _head;
    private readonly int _dimensions;

    /// <summary>Creates the network.</summary>
    /// <param name="dimensions">2 or 3 spatial dimensions.</param>
    /// <param name="inputChannels">Input channels; 3 = T2W, ADC, high-b DWI.</param>
    /// <param name="classes">Output classes.</param>
    /// <param name="baseChannels">Channels at the first level, doubled per level.</param>
    /// <param name="levels">Resolution levels including the bottleneck, 2 to 6.</param>
    /// <param name="normalization">The normalisation after each convolution.</param>
    public UNet(int dimensions, int inputChannels = 3, int classes = 2, int baseChannels = 16, int levels = 4, Normalization normalization = Normalization.Batch)
        : base(dimensions == 3 ? "UNet3D" : "UNet2D")
    {
        if (dimensions is not (2 or 3))
        {
            throw new ArgumentOutOfRangeException(nameof(dimensions), dimensions, "expected 2 or 3 spatial dimensions.");
        }

        if (levels is < 2 or > 6)
        {
            throw new ArgumentOutOfRangeException(nameof(levels), levels, "expected 2 to 6 levels.");
        }

        _dimensions = dimensions;
        int Channels(int level) => baseChannels << (level - 1);
        int previous = inputChannels;
        for (int level = 1; level < levels; level++)
        {
            var encoder = new DoubleConv(previous, Channels(level), normalization, dimensions);
            _encoders.Add(encoder);
            register_module($"enc{level}", encoder);
            previous = Channels(level);
        }

        _bottleneck = new DoubleConv(previous, Channels(levels), normalization, dimensions);
        register_module("bottleneck", _bottleneck);
        for (int level = levels - 1; level >= 1; level--)
        {
            Module<Tensor, Tensor> up = dimensions == 2
                ? ConvTranspose2d(Channels(level + 1), Channels(level), 2, stride: 2)
                : ConvTranspose3d(Channels(level + 1), Channels(level), 2, stride: 2);
            var decoder = new DoubleConv(2 * Channels(level), Channels(level), normalization, dimensions);
            _ups.Add(up);
            _decoders.Add(decoder);
            register_module($"up{level}", up);
            register_module($"dec{level}", decoder);
        }

        _head = dimensions == 2 ? Conv2d(Channels(1), classes, 1) : Conv3d(Channels(1), classes, 1);
        register_module("head", _head);
    }

    /// <inheritdoc />
    public override Tensor forward(Tensor input)
    {
        using var scope = NewDisposeScope();
        var skips = new List<Tensor>();
        Tensor x = input;
        foreach (DoubleConv encoder in _encoders)
        {
            x = encoder.forward(x);
            skips.Add(x);
            x = Pool(x);
        }

        x = _bottleneck.forward(x);
        for (int i = 0; i < _decoders.Count; i++)
        {
            x = _decoders[i].forward(cat([_ups[i].forward(x), skips[^(i + 1)]], 1));
        }

        return _head.forward(x).MoveToOuterDisposeScope();
    }

    private Tensor Pool(Tensor x) => _dimensions == 2 ? functional.max_pool2d(x, 2) : functional.max_pool3d(x, [2, 2, 2]);

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
