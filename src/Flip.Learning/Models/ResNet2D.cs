using TorchSharp;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace Flip.Learning.Models;

/// <summary>A small ResNet-style 2D classifier of slices (He et al., 2016, arXiv:1512.03385, basic blocks).</summary>
/// <remarks>
/// A 3×3 stem, then one stage per entry of <c>stages</c> (channels doubling, stride 2 from the
/// second stage, a 1×1 projection on the shortcut where the shape changes), global average pooling
/// and a linear layer.
/// </remarks>
public sealed class ResNet2D : Module<Tensor, Tensor>
{
    private readonly Module<Tensor, Tensor> _stem;
    private readonly Module<Tensor, Tensor> _stemNorm;
    private readonly List<BasicBlock> _blocks = [];
    private readonly Module<Tensor, Tensor> _fc;

    /// <summary>Creates the network.</summary>
    /// <param name="inputChannels">Input channels.</param>
    /// <param name="classes">Output classes.</param>
    /// <param name="baseChannels">Channels of the first stage.</param>
    /// <param name="stages">Basic blocks per stage, e.g. [2, 2, 2].</param>
    /// <param name="normalization">The normalisation after each convolution.</param>
    public ResNet2D(int inputChannels = 3, int classes = 2, int baseChannels = 16, int[]? stages = null, Normalization normalization = Normalization.Batch)
        : base(nameof(ResNet2D))
    {
        stages ??= [2, 2, 2];
        _stem = Conv2d(inputChannels, baseChannels, 3, padding: 1, bias: false);
        _stemNorm = NormLayers.Create(normalization, baseChannels, 2);
        register_module("stem", _stem);
        register_module("bn", _stemNorm);
        int channels = baseChannels;
        for (int s = 0; s < stages.Length; s++)
        {
            int output = baseChannels << s;
            for (int b = 0; b < stages[s]; b++)
            {
                var block = new BasicBlock(channels, output, b == 0 && s > 0 ? 2 : 1, normalization);
                _blocks.Add(block);
                register_module($"layer{s + 1}_{b}", block);
                channels = output;
            }
        }

        _fc = Linear(channels, classes);
        register_module("fc", _fc);
    }

    /// <inheritdoc />
    public override Tensor forward(Tensor input)
    {
        using var scope = NewDisposeScope();
        Tensor x = functional.relu(NormLayers.Forward(_stemNorm, _stem.forward(input)));
        foreach (BasicBlock block in _blocks)
        {
            x = block.forward(x);
        }

        return _fc.forward(functional.adaptive_avg_pool2d(x, 1).flatten(1)).MoveToOuterDisposeScope();
    }

    private sealed class BasicBlock : Module<Tensor, Tensor>
    {
        private readonly Module<Tensor, Tensor> _conv1;
        private readonly Module<Tensor, Tensor> _bn1;
        private readonly Module<Tensor, Tensor> _conv2;
        private readonly Module<Tensor, Tensor> _bn2;
        private readonly Module<Tensor, Tensor>? _shortcut;
        private readonly Module<Tensor, Tensor>? _shortcutNorm;

        public BasicBlock(int input, int output, int stride, Normalization normalization)
            : base(nameof(BasicBlock))
        {
            _conv1 = Conv2d(input, output, 3, stride: stride, padding: 1, bias: false);
            _bn1 = NormLayers.Create(normalization, output, 2);
            _conv2 = Conv2d(output, output, 3, padding: 1, bias: false);
            _bn2 = NormLayers.Create(normalization, output, 2);
            register_module("conv1", _conv1);
            register_module("bn1", _bn1);
            register_module("conv2", _conv2);
            register_module("bn2", _bn2);
            if (stride != 1 || input != output)
            {
                _shortcut = Conv2d(input, output, 1, stride: stride, bias: false);
                _shortcutNorm = NormLayers.Create(normalization, output, 2);
                register_module("shortcut", _shortcut);
                register_module("bn_shortcut", _shortcutNorm);
            }
        }

        public override Tensor forward(Tensor input)
        {
            using var scope = NewDisposeScope();
            Tensor x = functional.relu(NormLayers.Forward(_bn1, _conv1.forward(input)));
            x = NormLayers.Forward(_bn2, _conv2.forward(x));
            Tensor skip = _shortcut is null ? input : NormLayers.Forward(_shortcutNorm!, _shortcut.forward(input));
            return functional.relu(x + skip).MoveToOuterDisposeScope();
        }
    }
}
