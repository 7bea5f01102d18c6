namespace Flip.Federated.Strategies;

/// <summary>Coordinate-wise trimmed mean: drop the ⌊β·n⌋ largest and smallest values of each coordinate, average the rest; example counts are ignored.</summary>
/// <remarks>
/// Yin et al., 2018, "Byzantine-Robust Distributed Learning: Towards Optimal Statistical Rates", ICML,
/// arXiv:1803.01498, Definition 2 (coordinate-wise β-trimmed mean). With β = 0 it is the unweighted
/// mean. The site does what it does for FedAvg.
/// </remarks>
public sealed class TrimmedMean : Strategy
{
    /// <inheritdoc/>
    public override string Name => "trimmed-mean";

    /// <summary>The fraction β trimmed from each end of every coordinate.</summary>
    /// <value>0.1.</value>
    public double Beta { get; init; } = 0.1;

    /// <inheritdoc/>
    public override ParameterSet AggregateTrain(RoundContext round, ParameterSet global, TrainReplies replies)
    {
        ArgumentNullException.ThrowIfNull(round);
        ArgumentNullException.ThrowIfNull(replies);
        EnsureEnoughReplies(round, replies);
        int n = replies.Succeeded.Count;
        int trim = (int)Math.Floor(Beta * n);
        if (n - (2 * trim) < 1)
        {
            throw AggregationException.NothingLeftAfterTrimming(round.Round, n, Beta);
        }

        var full = replies.Succeeded.Select(r => FullParameters(global, r)).ToList();
        return ParameterMath.CoordinateWise(
            full,
            values =>
            {
                values.Sort();
                double sum = 0;
                for (int i = trim; i < values.Length - trim; i++)
                {
                    sum += values[i];
                }

                return sum / (values.Length - (2 * trim));
            },
            [.. replies.Succeeded.Select(r => r.Site.Value)]);
    }

    /// <inheritdoc/>
    public override IEnumerable<string> Validate()
    {
        foreach (var problem in base.Validate())
        {
            yield return problem;
        }

        if (!(Beta >= 0 && Beta < 0.5))
        {
            yield return Invariant($"Beta must be in [0, 0.5) (got {Beta}).");
        }
    }
}
