namespace Flip.Learning.Training;

/// <summary>How a site trains and evaluates locally.</summary>
public sealed record TrainerOptions
{
    /// <summary>Slices per mini-batch.</summary>
    /// <value>16.</value>
    public int BatchSize { get; init; } = 16;

    /// <summary>The local optimizer; a fresh one each round, as Flower's examples do.</summary>
    /// <value><see cref="OptimizerKind.Adam"/>.</value>
    public OptimizerKind Optimizer { get; init; } = OptimizerKind.Adam;

    /// <summary>SGD momentum.</summary>
    /// <value>0.9.</value>
    public double Momentum { get; init; } = 0.9;

    /// <summary>Weight decay (L2 for Adam and SGD, decoupled for AdamW).</summary>
    /// <value>0.</value>
    public double WeightDecay { get; init; }

    /// <summary>Maximum L2 norm of the gradient, or <see langword="null"/> for no clipping.</summary>
    /// <value>5.</value>
    public double? GradientClipNorm { get; init; } = 5.0;

    /// <summary>Random horizontal flips and intensity jitter during training.</summary>
    /// <value><see langword="true"/>.</value>
    public bool Augment { get; init; } = true;

    /// <summary>Probability above which a voxel counts as lesion for Dice and a patient as positive.</summary>
    /// <value>0.5.</value>
    public double Threshold { get; init; } = 0.5;

    /// <summary>The local loss: cross-entropy or focal loss, each plus (1 − soft Dice).</summary>
    /// <value><see cref="SegmentationLossKind.CrossEntropyDice"/>.</value>
    public SegmentationLossKind Loss { get; init; } = SegmentationLossKind.CrossEntropyDice;

    /// <summary>Learning-rate decay per federated round: round r trains with η · decay^(r − 1).</summary>
    /// <value>1 (constant).</value>
    public double LearningRateDecayPerRound { get; init; } = 1.0;

    /// <summary>Largest random in-plane rotation, in degrees, when <see cref="Augment"/> is on.</summary>
    /// <value>10.</value>
    public double MaxRotationDegrees { get; init; } = 10;
}
