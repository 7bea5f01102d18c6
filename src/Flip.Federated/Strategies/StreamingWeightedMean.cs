using System.Numerics;

namespace Flip.Federated.Strategies;

/// <summary>
/// FedAvg's example-weighted mean computed as a running sum: each reply's parameters are folded in as
/// Σ nᵢ·yᵢ (float32 arrays in float32, others in float64) and dropped, and <see cref="TrainAggregator.Finish"/>
/// divides by Σ nᵢ. Memory: one accumulator the size of the model, whatever the number of sites.
/// </summary>
/// <remarks>
/// Agrees with <see cref="ParameterMath.WeightedMean"/> to float32 rounding (the order of the
/// additions differs). A reply whose layout differs from the global model's is refused before
/// anything of it is added.
/// </remarks>
public sealed class StreamingWeightedMean : TrainAggregator
{
    private readonly FedAvg _strategy;
    private readonly RoundContext _round;
    private readonly ParameterSet _global;
    private readonly float[]?[] _float32;
    private readonly double[]?[] _wide;
    private readonly List<SiteId> _sites = [];
    private double _totalWeight;

    /// <summary>Starts an aggregation.</summary>
    /// <param name="strategy">The strategy whose <c>FromAverage</c> step turns the mean into the next model.</param>
    /// <param name="round">The round.</param>
    /// <param name="global">The global model the sites started from.</param>
    public StreamingWeightedMean(FedAvg strategy, RoundContext round, ParameterSet global)
    {
        ArgumentNullException.ThrowIfNull(global);
        _strategy = strategy ?? throw new ArgumentNullException(nameof(strategy));
        _round = round ?? throw new ArgumentNullException(nameof(round));
        _global = global;
        _float32 = new float[global.Count][];
        _wide = new double[global.Count][];
    }

    /// <inheritdoc/>
    public override bool Streams => true;

    /// <inheritdoc/>
    protected override bool AddCore(TrainReply reply)
    {
        _global.Layout.EnsureSame(reply.Update.Parameters.Layout, reply.Site.Value, "the global model");
        _sites.Add(reply.Site);
        double weight = Math.Max(0, reply.Update.ExampleCount);
        if (weight == 0)
        {
            return false;
        }

        _totalWeight += weight;
        bool difference = reply.Update.Kind == ParameterKind.Difference;
        for (int a = 0; a < _global.Count; a++)
        {
            ParameterArray update = reply.Update.Parameters[a];
            if (update.DataType == ParameterDataType.Float32)
            {
                float[] sum = _float32[a] ??= new float[update.Length];
                FoldFloat32(sum, update.AsFloat32().Span, difference ? _global[a].AsFloat32().Span : default, (float)weight);
            }
            else
            {
                // As ParameterMath.Add: a difference's integer arrays (counters) are not differences; the global's values stand.
                double[] sum = _wide[a] ??= new double[update.Length];
                bool integer = !update.Spec.IsFloatingPoint;
                for (int j = 0; j < sum.Length; j++)
                {
                    double full = !difference ? update.GetDouble(j) : integer ? _global[a].GetDouble(j) : update.GetDouble(j) + _global[a].GetDouble(j);
                    sum[j] += weight * full;
                }
            }
        }

        return false;
    }

    /// <inheritdoc/>
    protected override ParameterSet FinishCore(IReadOnlyList<SiteFailure> failed)
    {
        if (_sites.Count < Math.Max(1, _strategy.MinTrainSites))
        {
            throw AggregationException.TooFewSites(_round.Round, _strategy.Name, Math.Max(1, _strategy.MinTrainSites), _sites, failed);
        }

        if (_totalWeight <= 0)
        {
            throw AggregationException.NoExamples(_round.Round, _sites);
        }

        var arrays = new ParameterArray[_global.Count];
        for (int a = 0; a < arrays.Length; a++)
        {
            ParameterSpec spec = _global.Layout[a];
            if (_float32[a] is { } sum)
            {
                float scale = (float)(1 / _totalWeight);
                for (int j = 0; j < sum.Length; j++)
                {
                    sum[j] *= scale;
                }

                arrays[a] = ParameterArray.OwnFloat32(spec, sum);
                _float32[a] = null;
            }
            else
            {
                double[] wide = _wide[a]!;
                for (int j = 0; j < wide.Length; j++)
                {
                    wide[j] /= _totalWeight;
                }

                arrays[a] = ParameterArray.FromDoubles(spec, wide);
                _wide[a] = null;
            }
        }

        return _strategy.FromAverageInternal(_round, _global, ParameterSet.Create(arrays));
    }

    private static void FoldFloat32(Span<float> sum, ReadOnlySpan<float> values, ReadOnlySpan<float> base_, float weight)
    {
        int j = 0;
        var w = new Vector<float>(weight);
        if (base_.IsEmpty)
        {
            for (; j <= sum.Length - Vector<float>.Count; j += Vector<float>.Count)
            {
                (new Vector<float>(sum[j..]) + (w * new Vector<float>(values[j..]))).CopyTo(sum[j..]);
            }

            for (; j < sum.Length; j++)
            {
                sum[j] += weight * values[j];
            }
        }
        else
        {
            for (; j <= sum.Length - Vector<float>.Count; j += Vector<float>.Count)
            {
                (new Vector<float>(sum[j..]) + (w * (new Vector<float>(values[j..]) + new Vector<float>(base_[j..])))).CopyTo(sum[j..]);
            }

            for (; j < sum.Length; j++)
            {
                sum[j] += weight * (values[j] + base_[j]);
            }
        }
    }
}
