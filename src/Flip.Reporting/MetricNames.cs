namespace Flip.Reporting;

/// <summary>Metric keys of <c>metrics.csv</c> (lower kebab-case, as Flower's are) that reports know about: the keys the
/// federated core writes (<see cref="Flip.Federated.MetricNames"/>, the one vocabulary), with their labels and directions.</summary>
public static class MetricNames
{
    /// <summary>Area under the ROC curve of the csPCa classifier, 0 to 1.</summary>
    public const string Auroc = Flip.Federated.MetricNames.Auroc;

    /// <summary>Dice similarity coefficient of the lesion or gland segmentation, 0 to 1.</summary>
    public const string Dice = Flip.Federated.MetricNames.Dice;

    /// <summary>Classification accuracy, 0 to 1.</summary>
    public const string Accuracy = Flip.Federated.MetricNames.Accuracy;

    /// <summary>Training or evaluation loss; lower is better.</summary>
    public const string Loss = Flip.Federated.MetricNames.Loss;

    /// <summary>The differential-privacy budget ε spent so far, which DP-FedAvg writes on the federated row every round; lower is more private.</summary>
    public const string PrivacyEpsilon = Flip.Federated.MetricNames.Epsilon;

    /// <summary>Whether <paramref name="metric"/> counts something (examples, local steps, sites), so tables show it as a
    /// whole number (<c>22</c>, not <c>22.000</c>).</summary>
    /// <param name="metric">A metric key.</param>
    /// <returns><see langword="true"/> for the counts the federated core writes; <see langword="false"/> otherwise.</returns>
    public static bool IsCount(string metric) => metric is ExampleCount or Flip.Federated.MetricNames.LocalSteps or Flip.Federated.MetricNames.SitesAggregated
        or Flip.Federated.MetricNames.SitesFailed or Flip.Federated.MetricNames.UpdateUnclipped;

    /// <summary>The number of examples a figure is over (Flower's <c>num-examples</c>).</summary>
    public const string ExampleCount = Flip.Federated.MetricNames.ExampleCount;

    /// <summary>Whether a higher value of <paramref name="metric"/> is better.</summary>
    /// <param name="metric">A metric key.</param>
    /// <returns><see langword="false"/> for losses and privacy budgets; <see langword="true"/> otherwise.</returns>
    public static bool HigherIsBetter(string metric) =>
        !(metric.Contains("loss", StringComparison.Ordinal) || metric == PrivacyEpsilon);

    /// <summary>A human label with its unit for an axis or a column, e.g. <c>AUROC (0–1)</c>.</summary>
    /// <param name="metric">A metric key.</param>
    /// <returns>The label; unknown keys are returned as they are.</returns>
    public static string Label(string metric) => metric switch
    {
        Auroc => "AUROC (0–1)",
        Dice => "Dice (0–1)",
        Accuracy => "accuracy (0–1)",
        Loss => "loss",
        PrivacyEpsilon => "privacy budget ε",
        _ => metric,
    };
}
