using TorchSharp;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace Flip.Learning.Losses;

/// <summary>Losses for lesion and gland segmentation.</summary>
public static class SegmentationLoss
{
    /// <summary>Soft Dice of the foreground class over the whole batch, with smoothing.</summary>
    /// <param name="logits">[N, 2, ...] class logits.</param>
    /// <param name="foreground">[N, ...] float32, 1 inside the structure, else 0.</param>
    /// <param name="smoothing">Added to numerator and denominator; 1 as in BENCHMARKS.md W1.</param>
    /// <returns>A scalar tensor: <c>(2·Σ p·g + s) / (Σ p + Σ g + s)</c>, p = softmax(logits)[:, 1].</returns>
    public static Tensor SoftDice(Tensor logits, Tensor foreground, double smoothing = 1.0)
    {
        using var scope = NewDisposeScope();
        Tensor p = functional.softmax(logits, 1).select(1, 1);
        Tensor dice = (2 * (p * foreground).sum() + smoothing) / (p.sum() + foreground.sum() + smoothing);
        return dice.MoveToOuterDisposeScope();
    }

    /// <summary>Cross-entropy plus <c>1 − soft Dice</c>, the W1 loss.</summary>
    /// <param name="logits">[N, 2, ...] class logits.</param>
    /// <param name="labels">[N, ...] int64 class labels.</param>
    /// <param name="foreground"><paramref name="labels"/> == 1 as float32, computed once by the caller.</param>
    /// <returns>A scalar tensor.</returns>
    public static Tensor CrossEntropyPlusDice(Tensor logits, Tensor labels, Tensor foreground)
    {
        using var scope = NewDisposeScope();
        Tensor loss = functional.cross_entropy(logits, labels) + (1 - SoftDice(logits, foreground));
        return loss.MoveToOuterDisposeScope();
    }
}
