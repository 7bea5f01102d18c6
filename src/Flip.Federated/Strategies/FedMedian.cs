namespace Flip.Federated.Strategies;

/// <summary>FedMedian: the coordinate-wise median of the sites' parameters (robust to a minority of outliers); example counts are ignored.</summary>
/// <remarks>
/// Yin et al., 2018, "Byzantine-Robust Distributed Learning: Towards Optimal Statistical Rates", ICML,
/// arXiv:1803.01498, Definition 1 (coordinate-wise median); with an even count the mean of the two
/// middle values. The site does what it does for FedAvg.
/// </remarks>
public sealed class FedMedian : Strategy
{
    /// <inheritdoc/>
    public override string Name => "fedmedian";

    /// <inheritdoc/>
    public override ParameterSet AggregateTrain(RoundContext round, ParameterSet global, TrainReplies replies)
    {
        ArgumentNullException.ThrowIfNull(replies);
        EnsureEnoughReplies(round, replies);
        var full = replies.Succeeded.Select(r => FullParameters(global, r)).ToList();
        return ParameterMath.CoordinateWise(full, Median, [.. replies.Succeeded.Select(r => r.Site.Value)]);
    }

    private static double Median(Span<double> values)
    {
        values.Sort();
        int n = values.Length;
        return n % 2 == 1 ? values[n / 2] : (values[(n / 2) - 1] + values[n / 2]) / 2;
    }
}
