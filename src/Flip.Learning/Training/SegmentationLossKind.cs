namespace Flip.Learning.Training;

/// <summary>Which pixel loss the site trainer adds to (1 − soft Dice).</summary>
public enum SegmentationLossKind
{
    /// <summary>Cross-entropy, as in BENCHMARKS.md W1.</summary>
    CrossEntropyDice,

    /// <summary>Focal loss with γ = 2 (Lin et al., 2017).</summary>
    FocalDice,
}
