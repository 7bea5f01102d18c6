using Flip.Learning.Losses;
using TorchSharp;
using static TorchSharp.torch;

namespace Flip.Learning.Tests.Losses;

[Collection("Torch")]
public sealed class SegmentationLossTests
{
    [Fact]
    public void Focal_loss_with_gamma_0_is_cross_entropy_and_smaller_with_gamma_2()
    {
        torch.manual_seed(4);
        using Tensor logits = torch.randn(2, 2, 4, 4);
        using Tensor labels = torch.randint(0, 2, [2, 4, 4], dtype: ScalarType.Int64);

        double ce = nn.functional.cross_entropy(logits, labels).item<float>();
        double focal0 = SegmentationLoss.Focal(logits, labels, gamma: 0).item<float>();
        double focal2 = SegmentationLoss.Focal(logits, labels, gamma: 2).item<float>();

        Assert.Equal(ce, focal0, 5);
        Assert.True(focal2 < focal0);
    }

    [Fact]
    public void Soft_Dice_by_hand()
    {
        // logits that give p = softmax([0, ln 3]) = 0.75 foreground everywhere on 4 pixels, 2 of them foreground:
        // Dice = (2·(0.75·2) + 1) / (0.75·4 + 2 + 1) = 4 / 6
        using Tensor logits = torch.stack([torch.zeros(1, 2, 2), torch.full(1, 2, 2, Math.Log(3))], 1);
        using Tensor foreground = torch.tensor(new float[] { 1, 1, 0, 0 }, [1, 2, 2]);

        double dice = SegmentationLoss.SoftDice(logits, foreground).item<float>();

        Assert.Equal(4.0 / 6.0, dice, 5);
    }
}
