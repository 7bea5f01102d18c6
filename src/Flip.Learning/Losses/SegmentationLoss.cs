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
        // Scalars are held in locals until the end of the method: an implicit conversion's temporary Scalar can be
        // finalized by the GC while libtorch still reads it (seen as "toFloat: Expected false to be true" under load).
        using Scalar one = 1.0.ToScalar(), two = 2.0.ToScalar(), smooth = smoothing.ToScalar();
        Tensor p = functional.softmax(logits, 1).select(1, 1);
        Tensor dice = (p * foreground).sum().mul(two).add(smooth, one).div(p.sum().add(foreground.sum()).add(smooth, one));
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
        using Scalar one = 1.0.ToScalar();
        Tensor loss = functional.cross_entropy(logits, labels).sub(SoftDice(logits, foreground)).add(one, one);
        return loss.MoveToOuterDisposeScope();
    }

    /// <summary>Focal loss plus <c>1 − soft Dice</c>: cross-entropy that down-weights easy voxels, for tiny lesions.</summary>
    /// <param name="logits">[N, 2, ...] class logits.</param>
    /// <param name="labels">[N, ...] int64 class labels.</param>
    /// <param name="foreground"><paramref name="labels"/> == 1 as float32.</param>
    /// <param name="gamma">Focusing parameter γ; 0 gives cross-entropy.</param>
    /// <returns>A scalar tensor.</returns>
    /// <remarks>Focal loss −(1 − pₜ)^γ log pₜ, averaged over voxels (Lin et al., 2017, arXiv:1708.02002, eq. 5, without α).</remarks>
    public static Tensor FocalPlusDice(Tensor logits, Tensor labels, Tensor foreground, double gamma = 2.0)
    {
        using var scope = NewDisposeScope();
        using Scalar one = 1.0.ToScalar();
        Tensor loss = Focal(logits, labels, gamma).sub(SoftDice(logits, foreground)).add(one, one);
        return loss.MoveToOuterDisposeScope();
    }

    /// <summary>Focal loss −(1 − pₜ)^γ log pₜ averaged over voxels.</summary>
    /// <param name="logits">[N, C, ...] class logits.</param>
    /// <param name="labels">[N, ...] int64 class labels.</param>
    /// <param name="gamma">Focusing parameter γ; 0 gives cross-entropy.</param>
    /// <returns>A scalar tensor.</returns>
    public static Tensor Focal(Tensor logits, Tensor labels, double gamma = 2.0)
    {
        using var scope = NewDisposeScope();
        Tensor logPt = functional.log_softmax(logits, 1).gather(1, labels.unsqueeze(1)).squeeze(1);
        Tensor pt = logPt.exp();
        using Scalar one = 1.0.ToScalar(), focusing = gamma.ToScalar();
        Tensor loss = -(pt.neg().add(one, one).pow(focusing) * logPt).mean();
        return loss.MoveToOuterDisposeScope();
    }
}
