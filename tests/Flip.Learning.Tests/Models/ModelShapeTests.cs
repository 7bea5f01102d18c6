using Flip.Learning.Models;
using TorchSharp;
using static TorchSharp.torch;

namespace Flip.Learning.Tests.Models;

/// <summary>The models match BENCHMARKS.md's normative PyTorch definitions exactly.</summary>
[Collection("Torch")]
public sealed class ModelShapeTests
{
    [Fact]
    public void UNet2D_has_the_W1_parameter_count_and_state_dict()
    {
        using var model = new UNet2D();

        var state = ModelState.StateEntries(model).ToDictionary();
        Assert.Equal(model.state_dict().Keys.Order(), state.Keys.Order());

        Assert.Equal(482_754, ModelState.TrainableParameterCount(model));
        Assert.Equal(92, state.Count);
        Assert.Equal(14, state.Values.Count(t => t.dtype == ScalarType.Int64));
        Assert.Equal(484_162, state.Values.Where(t => t.dtype == ScalarType.Float32).Sum(t => t.numel()));
        // PyTorch's state_dict() order: module by module, parameters then buffers inside each.
        Assert.Equal(
            ["enc1.conv1.weight", "enc1.bn1.weight", "enc1.bn1.bias", "enc1.bn1.running_mean", "enc1.bn1.running_var",
             "enc1.bn1.num_batches_tracked", "enc1.conv2.weight", "enc1.bn2.weight"],
            state.Keys.Take(8));
        Assert.Equal(92, state.Count);
        Assert.Equal(["up3.weight", "up3.bias"], state.Keys.Where(k => k.StartsWith("up3.", StringComparison.Ordinal)));
        Assert.Equal(["head.weight", "head.bias"], state.Keys.TakeLast(2));
        Assert.Equal([128L, 64, 2, 2], state["up3.weight"].shape);
        Assert.Equal([2L, 16, 1, 1], state["head.weight"].shape);
    }

    [Fact]
    public void UNet2D_maps_a_W1_batch_to_two_class_logits_of_the_same_size()
    {
        using var model = new UNet2D();
        model.eval();
        using var _ = torch.no_grad();

        using Tensor logits = model.forward(torch.randn(2, 3, 128, 128));

        Assert.Equal([2L, 2, 128, 128], logits.shape);
    }

    [Fact]
    public void Classifier3D_has_the_W2_parameter_count_and_output()
    {
        using var model = new Classifier3D();
        model.eval();
        using var _ = torch.no_grad();

        using Tensor logits = model.forward(torch.randn([1L, 3, 32, 64, 64]));

        Assert.Equal(292_338, ModelState.TrainableParameterCount(model));
        Assert.Equal([1L, 2], logits.shape);
        Assert.Equal(["block1.conv.weight", "block1.bn.weight"], ModelState.StateEntries(model).Select(e => e.Key).Take(2));
        Assert.Equal(["fc.weight", "fc.bias"], ModelState.StateEntries(model).Select(e => e.Key).TakeLast(2));
    }

    [Theory]
    [InlineData(Normalization.Batch, 70)]     // 14 BatchNorms × (weight, bias, running_mean, running_var, num_batches_tracked)
    [InlineData(Normalization.Instance, 28)]  // 14 affine InstanceNorms × (weight, bias)
    [InlineData(Normalization.Group, 28)]     // 14 GroupNorms × (weight, bias)
    public void NormalizationKeys_are_exactly_the_normalisation_layers_state(Normalization normalization, int expected)
    {
        using var model = new UNet2D(normalization: normalization);

        IReadOnlyList<string> keys = ModelState.NormalizationKeys(model);

        Assert.Equal(expected, keys.Count);
        Assert.All(keys, k => Assert.Matches(@"\.bn[12]\.", k));
        Assert.DoesNotContain(keys, k => k.Contains("conv", StringComparison.Ordinal) && !k.Contains(".bn", StringComparison.Ordinal));
    }
}
