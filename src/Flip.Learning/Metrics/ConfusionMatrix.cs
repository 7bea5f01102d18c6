namespace Flip.Learning.Metrics;

/// <summary>Counts of a binary decision against the truth, and the rates derived from them.</summary>
/// <param name="TruePositives">Positives predicted positive.</param>
/// <param name="FalsePositives">Negatives predicted positive.</param>
/// <param name="TrueNegatives">Negatives predicted negative.</param>
/// <param name="FalseNegatives">Positives predicted negative.</param>
public sealed record ConfusionMatrix(int TruePositives, int FalsePositives, int TrueNegatives, int FalseNegatives)
{
    /// <summary>Sensitivity (recall): TP / (TP + FN); NaN without positives.</summary>
    public double Sensitivity => Ratio(TruePositives, TruePositives + FalseNegatives);

    /// <summary>Specificity: TN / (TN + FP); NaN without negatives.</summary>
    public double Specificity => Ratio(TrueNegatives, TrueNegatives + FalsePositives);

    /// <summary>Balanced accuracy: the mean of sensitivity and specificity.</summary>
    public double BalancedAccuracy => (Sensitivity + Specificity) / 2;

    /// <summary>Accuracy: (TP + TN) / all.</summary>
    public double Accuracy => Ratio(TruePositives + TrueNegatives, TruePositives + FalsePositives + TrueNegatives + FalseNegatives);

    private static double Ratio(int a, int b) => b == 0 ? double.NaN : a / (double)b;
}
