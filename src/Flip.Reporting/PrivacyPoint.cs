namespace Flip.Reporting;

/// <summary>One run's differential-privacy budget and the accuracy it reached: one point of the privacy–utility trade-off.</summary>
/// <param name="Run">The run's name.</param>
/// <param name="Epsilon">The privacy budget ε spent; lower is more private.</param>
/// <param name="Value">The metric reached, e.g. the pooled AUROC at the last round.</param>
public sealed record PrivacyPoint(string Run, double Epsilon, double Value);
