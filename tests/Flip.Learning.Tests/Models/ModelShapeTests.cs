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

[Collection("Torch")]
public sealed class MoreModelTests
{
    [Fact]
    public void UNet3D_segments_a_volume_at_its_input_size()
    {
        torch.manual_seed(0);
        using var model = new UNet3D(inputChannels: 3, classes: 2, baseChannels: 4, levels: 3);
        model.eval();
        using var _ = torch.no_grad();

        using Tensor logits = model.forward(torch.randn([1L, 3, 8, 16, 16]));

        Assert.Equal([1L, 2, 8, 16, 16], logits.shape);
        // levels 3: enc1, enc2, bottleneck, up2, dec2, up1, dec1, head
        Assert.Equal(["enc1", "enc2", "bottleneck", "up2", "dec2", "up1", "dec1", "head"],
            ModelState.StateEntries(model).Select(e => e.Key.Split('.')[0]).Distinct());
        Assert.Equal([4L, 3, 3, 3, 3], ModelState.StateEntries(model)[0].Value.shape); // enc1.conv1.weight, 3×3×3 kernels
    }

    [Fact]
    public void ResNet2D_classifies_slices_and_reports_its_normalisation_keys()
    {
        torch.manual_seed(0);
        using var model = new ResNet2D(inputChannels: 3, classes: 2, baseChannels: 8, stages: [1, 1]);
        model.eval();
        using var _ = torch.no_grad();

        using Tensor logits = model.forward(torch.randn(4, 3, 32, 32));

        Assert.Equal([4L, 2], logits.shape);
        // stem (8·3·9) + bn (16) + layer1 (2 convs 8·8·9 + 2 bns) + layer2 (8→16 conv, 16→16 conv, 1×1 shortcut, 3 bns) + fc
        long expected = 216 + 16 + (2 * 576) + 32 + 1152 + 2304 + 128 + 96 + 34;
        Assert.Equal(expected, ModelState.TrainableParameterCount(model));
        Assert.Contains("layer2_0.bn_shortcut.running_mean", ModelState.NormalizationKeys(model));
    }

    [Fact]
    public void UNet2D_levels_change_depth_and_keep_W1_names()
    {
        using var shallow = new UNet2D(baseChannels: 8, levels: 3);

        Assert.DoesNotContain(ModelState.StateEntries(shallow), e => e.Key.StartsWith("enc3.", StringComparison.Ordinal));
        Assert.Contains(ModelState.StateEntries(shallow), e => e.Key == "up2.weight");
    }
}
