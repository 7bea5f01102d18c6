namespace Flip.Federated;

/// <summary>The metric names that land in <c>metrics.csv</c> and travel on the wire: lower kebab-case, as Flower's are.</summary>
public static class MetricNames
{
    /// <summary>The loss on the split.</summary>
    public const string Loss = "loss";

    /// <summary>The fraction of correct predictions.</summary>
    public const string Accuracy = "accuracy";

    /// <summary>The area under the ROC curve.</summary>
    public const string Auroc = "auroc";

    /// <summary>The Dice similarity coefficient of a segmentation.</summary>
    public const string Dice = "dice";

    /// <summary>The soft Dice coefficient of the foreground probabilities, (2·Σ p·g + 1) / (Σ p + Σ g + 1), with no threshold.</summary>
    public const string SoftDice = "soft-dice";

    /// <summary>The average precision of patient-level scores.</summary>
    public const string AveragePrecision = "average-precision";

    /// <summary>The PI-CAI ranking score, (AUROC + average precision) / 2.</summary>
    public const string PicaiScore = "picai-score";

    /// <summary>Patient-level sensitivity at the decision threshold.</summary>
    public const string Sensitivity = "sensitivity";

    /// <summary>Patient-level specificity at the decision threshold.</summary>
    public const string Specificity = "specificity";

    /// <summary>The mean squared error of a regression.</summary>
    public const string MeanSquaredError = "mse";

    /// <summary>The number of examples the figure is over.</summary>
    public const string ExampleCount = "num-examples";

    /// <summary>The number of local optimiser steps a site took in a round (SCAFFOLD needs it).</summary>
    public const string LocalSteps = "local-steps";

    /// <summary>The L2 norm of a site's update before clipping.</summary>
    public const string UpdateNorm = "update-norm";

    /// <summary>Whether a site's update was within the clipping norm (1) or clipped (0).</summary>
    public const string UpdateUnclipped = "update-unclipped";

    /// <summary>The clipping norm used in a round of DP-FedAvg.</summary>
    public const string ClippingNorm = "clipping-norm";

    /// <summary>The standard deviation of the Gaussian noise added in a round.</summary>
    public const string NoiseStandardDeviation = "noise-std";

    /// <summary>The privacy loss ε spent so far at the run's δ.</summary>
    public const string Epsilon = "epsilon";

    /// <summary>The number of sites whose reply was aggregated in a round.</summary>
    public const string SitesAggregated = "sites-aggregated";

    /// <summary>The number of sites that failed in a round.</summary>
    public const string SitesFailed = "sites-failed";
}
