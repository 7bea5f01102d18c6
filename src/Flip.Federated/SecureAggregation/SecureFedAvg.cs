using Flip.Federated.Strategies;

namespace Flip.Federated.SecureAggregation;

/// <summary>
/// FedAvg over secure aggregation (Flower's <c>SecAggPlusWorkflow</c> with FedAvg): each site folds
/// its weight into its update, sending rᵢ·Δᵢ and rᵢ with rᵢ = nᵢ / max weight, masked; the server
/// learns only Σ rᵢΔᵢ and Σ rᵢ and steps x ← x + Σ rᵢΔᵢ / Σ rᵢ, FedAvg's example-weighted mean up
/// to quantisation.
/// </summary>
/// <remarks>
/// Sampled sites that fail to train share their keys and then drop out; their masks are removed
/// with the survivors' shares, or the round fails with <see cref="SecureAggregationException"/> when
/// too few survive. Floating-point arrays are aggregated securely; int64 counters (BatchNorm's
/// <c>num_batches_tracked</c>) are averaged in the clear, as they count steps, not data.
/// </remarks>
public sealed class SecureFedAvg : FedAvg
{
    /// <inheritdoc/>
    public override string Name => "fedavg-secagg";

    /// <summary>Neighbours, threshold and quantisation.</summary>
    /// <value>Flower's defaults: clipping range 8, quantisation range 2²², every pair joined, threshold half the holders.</value>
    public SecureAggregationSettings Settings { get; init; } = new();

    /// <summary>The survivors, dropped sites and bytes of the last aggregated round.</summary>
    public SecureSum? LastSum { get; private set; }

    /// <inheritdoc/>
    public override ParameterSet AggregateTrain(RoundContext round, ParameterSet global, TrainReplies replies)
    {
        ArgumentNullException.ThrowIfNull(round);
        ArgumentNullException.ThrowIfNull(global);
        ArgumentNullException.ThrowIfNull(replies);
        EnsureEnoughReplies(round, replies);
        var succeeded = replies.Succeeded;
        if (succeeded.All(r => r.Update.ExampleCount <= 0))
        {
            throw AggregationException.NoExamples(round.Round, [.. succeeded.Select(r => r.Site)]);
        }

        double maxWeight = Settings.MaxWeight ?? succeeded.Max(r => (double)r.Update.ExampleCount);
        var floating = global.Where(a => a.DataType != ParameterDataType.Int64);
        int length = (int)floating.ElementCount;
        var inputs = new List<(SiteId Site, double[]? Input)>();
        foreach (var reply in succeeded)
        {
            var delta = Difference(global, reply);
            double weight = Math.Max(0, reply.Update.ExampleCount) / maxWeight;
            var input = new double[length + 1];
            int offset = 0;
            foreach (var array in delta.Where(a => a.DataType != ParameterDataType.Int64))
            {
                for (int i = 0; i < array.Length; i++)
                {
                    input[offset + i] = weight * array.GetDouble(i);
                }

                offset += array.Length;
            }

            input[length] = weight;
            inputs.Add((reply.Site, input));
        }

        foreach (var failure in replies.Failed.Where(f => f.Step == "train" && inputs.All(i => i.Site != f.Site)))
        {
            inputs.Add((failure.Site, null));
        }

        var sum = SecureAggregationProtocol.Sum(round.Round, inputs, Settings, round.Random);
        LastSum = sum;
        double totalWeight = sum.Sum[length];
        if (!(totalWeight > 0))
        {
            throw AggregationException.NoExamples(round.Round, [.. sum.Survivors]);
        }

        var arrays = new List<ParameterArray>(global.Count);
        int at = 0;
        foreach (var array in global)
        {
            if (array.DataType == ParameterDataType.Int64)
            {
                arrays.Add(array);
                continue;
            }

            var values = new double[array.Length];
            for (int i = 0; i < values.Length; i++)
            {
                values[i] = array.GetDouble(i) + (sum.Sum[at + i] / totalWeight);
            }

            at += array.Length;
            arrays.Add(array.WithValues(values));
        }

        var result = ParameterSet.Create(arrays);
        if (global.Any(a => a.DataType == ParameterDataType.Int64))
        {
            // Step counters: FedAvg's rounded weighted mean, in the clear.
            var counters = WeightedAverage(round, global.Where(a => a.DataType == ParameterDataType.Int64), [.. succeeded.Select(r => r with { Update = r.Update with { Parameters = FullParameters(global, r).Where(a => a.DataType == ParameterDataType.Int64), Kind = ParameterKind.Full } })]);
            result = result.Replace(counters);
        }

        return result;
    }

    /// <inheritdoc/>
    public override IEnumerable<string> Validate()
    {
        foreach (var problem in base.Validate())
        {
            yield return problem;
        }

        foreach (var problem in Settings.Validate(1))
        {
            yield return "Settings." + problem;
        }
    }
}
