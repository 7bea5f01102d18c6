namespace Flip.Federated;

/// <summary>
/// The keys under which <see cref="TrainConfig"/> and <see cref="EvaluateConfig"/> values travel on
/// the wire (Flower's config record) and appear in <c>run.json</c>: lower kebab-case.
/// </summary>
public static class ConfigKeys
{
    /// <summary>The server round, from 1.</summary>
    public const string Round = "server-round";

    /// <summary>The number of local epochs.</summary>
    public const string LocalEpochs = "local-epochs";

    /// <summary>The local learning rate η_l.</summary>
    public const string LearningRate = "learning-rate";

    /// <summary>FedProx's proximal weight μ.</summary>
    public const string ProximalMu = "proximal-mu";

    /// <summary>The seed of the site's randomness in this round.</summary>
    public const string Seed = "seed";

    /// <summary>The names of the parameters that stay at the site (FedBN, local-only).</summary>
    public const string LocalParameters = "local-parameters";

    /// <summary>The number of fine-tuning epochs before a site evaluates.</summary>
    public const string FineTuneEpochs = "fine-tune-epochs";

    /// <summary>The learning rate of that fine-tuning.</summary>
    public const string FineTuneLearningRate = "fine-tune-learning-rate";

    /// <summary>The L2 norm a site clips its update to (local DP).</summary>
    public const string ClippingNorm = "clipping-norm";

    /// <summary>The standard deviation of the Gaussian noise a site adds to its clipped update (local DP).</summary>
    public const string LocalNoiseStandardDeviation = "local-noise-std";

    /// <summary>Whether the site must apply SCAFFOLD's control-variate correction.</summary>
    public const string UseControlVariates = "use-control-variates";

    /// <summary>The number of local optimiser steps, when a round trains for a number of steps rather than epochs.</summary>
    public const string LocalSteps = "local-steps";

    /// <summary>The number of slices per mini-batch.</summary>
    public const string BatchSize = "batch-size";

    /// <summary>Which statistics batch normalisation uses when a site evaluates: <see cref="BatchNormBatch"/> or <see cref="BatchNormRunning"/>.</summary>
    public const string BatchNorm = "batch-norm";

    /// <summary>The <see cref="BatchNorm"/> value for the statistics of the evaluated batch itself.</summary>
    public const string BatchNormBatch = "batch";

    /// <summary>The <see cref="BatchNorm"/> value for the running statistics learnt in training (evaluation mode).</summary>
    public const string BatchNormRunning = "running";

    /// <summary>Every key a site reads from a train or evaluate config record, in the order above.</summary>
    public static IReadOnlyList<string> All { get; } =
    [
        Round, LocalEpochs, LearningRate, ProximalMu, Seed, LocalParameters, FineTuneEpochs, FineTuneLearningRate,
        ClippingNorm, LocalNoiseStandardDeviation, UseControlVariates, LocalSteps, BatchSize, BatchNorm,
    ];
}
