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
}
