namespace Flip.Reporting;

/// <summary>A point estimate with a percentile bootstrap confidence interval.</summary>
/// <param name="Estimate">The statistic on the original sample.</param>
/// <param name="Lower">The lower bound, the (1 − level)/2 quantile of the bootstrap statistics.</param>
/// <param name="Upper">The upper bound, the (1 + level)/2 quantile of the bootstrap statistics.</param>
/// <param name="Level">The confidence level, e.g. 0.95.</param>
/// <param name="Resamples">How many bootstrap statistics were numbers (resamples whose statistic was NaN are left out).</param>
public sealed record ConfidenceInterval(double Estimate, double Lower, double Upper, double Level, int Resamples);
