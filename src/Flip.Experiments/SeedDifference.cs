namespace Flip.Experiments;

/// <summary>
/// A figure of a candidate strategy against a baseline, paired seed by seed: the differences, their mean and its 95 %
/// confidence interval (Student's t with n − 1 degrees of freedom), and what the interval allows one to say.
/// </summary>
/// <param name="Figure">What was compared, e.g. <c>mean auroc over hospitals</c>.</param>
/// <param name="Baseline">The baseline's figure per seed.</param>
/// <param name="Candidate">The candidate's figure per seed (same seeds, same order).</param>
/// <param name="MeanDifference">Mean of candidate − baseline over seeds.</param>
/// <param name="Low">Lower end of the 95 % interval of the mean difference (NaN with fewer than two seeds).</param>
/// <param name="High">Upper end of the interval.</param>
public sealed record SeedDifference(string Figure, IReadOnlyList<double> Baseline, IReadOnlyList<double> Candidate, double MeanDifference, double Low, double High)
{
    // Student's t, two-sided 95 %, for 1..30 degrees of freedom; 1.96 beyond.
    private static readonly double[] T975 =
    [
        12.706, 4.303, 3.182, 2.776, 2.571, 2.447, 2.365, 2.306, 2.262, 2.228, 2.201, 2.179, 2.160, 2.145, 2.131,
        2.120, 2.110, 2.101, 2.093, 2.086, 2.080, 2.074, 2.069, 2.064, 2.060, 2.056, 2.052, 2.048, 2.045, 2.042,
    ];

    /// <summary>Seeds compared (those where both figures exist).</summary>
    public int Seeds => Baseline.Count;

    /// <summary><c>ahead</c> when the whole interval is above 0, <c>behind</c> when it is below, else <c>inconclusive</c> (always with one seed).</summary>
    public string Direction => double.IsNaN(Low) ? "inconclusive" : Low > 0 ? "ahead" : High < 0 ? "behind" : "inconclusive";

    /// <summary>Pairs the figures by seed and computes the interval; seeds where either figure is missing (NaN) are left out.</summary>
    /// <param name="figure">What is compared.</param>
    /// <param name="baseline">The baseline's figure per seed.</param>
    /// <param name="candidate">The candidate's figure per seed.</param>
    /// <returns>The difference.</returns>
    public static SeedDifference Of(string figure, IReadOnlyList<double> baseline, IReadOnlyList<double> candidate)
    {
        ArgumentNullException.ThrowIfNull(baseline);
        ArgumentNullException.ThrowIfNull(candidate);
        if (baseline.Count != candidate.Count)
        {
            throw new ArgumentException($"one figure per seed on both sides is needed; got {baseline.Count} and {candidate.Count}.", nameof(candidate));
        }

        var pairs = baseline.Zip(candidate).Where(p => !double.IsNaN(p.First) && !double.IsNaN(p.Second)).ToList();
        double[] d = [.. pairs.Select(p => p.Second - p.First)];
        double mean = d.Length == 0 ? double.NaN : d.Average();
        double low = double.NaN, high = double.NaN;
        if (d.Length >= 2)
        {
            double sd = Math.Sqrt(d.Sum(x => (x - mean) * (x - mean)) / (d.Length - 1));
            double half = (d.Length - 1 <= T975.Length ? T975[d.Length - 2] : 1.96) * sd / Math.Sqrt(d.Length);
            (low, high) = (mean - half, mean + half);
        }

        return new SeedDifference(figure, [.. pairs.Select(p => p.First)], [.. pairs.Select(p => p.Second)], mean, low, high);
    }
}
