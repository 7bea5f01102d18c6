namespace Flip.Reporting;

/// <summary>One point of an ROC curve: calling every score ≥ <see cref="Threshold"/> positive.</summary>
/// <param name="FalsePositiveRate">FP / (FP + TN), 0 to 1.</param>
/// <param name="TruePositiveRate">TP / (TP + FN) (sensitivity), 0 to 1.</param>
/// <param name="Threshold">The score threshold; +∞ for the first point (0, 0).</param>
public sealed record RocPoint(double FalsePositiveRate, double TruePositiveRate, double Threshold);
