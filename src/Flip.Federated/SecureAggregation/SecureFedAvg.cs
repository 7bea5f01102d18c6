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
/// <para>In the simulation <see cref="AggregateTrain"/> runs the protocol in process. Over the Fleet API
/// (<c>serve --secure-aggregation</c>) the server never calls it: <c>Flip.Flower</c>'s <c>SecureFleetRound</c>
/// carries the four stages as messages, each node builds its input with <see cref="SiteInput"/>, and the
/// server steps the model with <see cref="ApplySum"/>.</para>
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
        var inputs = new List<(SiteId Site, double[]? Input)>();
        foreach (var reply in succeeded)
        {
            inputs.Add((reply.Site, SiteInput(global, reply.Site, reply.Update, maxWeight)));
        }

        foreach (var failure in replies.Failed.Where(f => f.Step == "train" && inputs.All(i => i.Site != f.Site)))
        {
            inputs.Add((failure.Site, null));
        }

        var sum = SecureAggregationProtocol.Sum(round.Round, inputs, Settings, round.Random);
        return ApplySum(round, global, sum, [.. succeeded.Select(r => Counters(global, r))]);
    }

    /// <summary>The number of values a site masks for <paramref name="global"/>: every floating-point value, then the weight.</summary>
    /// <param name="global">The global model.</param>
    /// <returns>The length of <see cref="SiteInput"/>'s vector.</returns>
    public static int InputLength(ParameterSet global)
    {
        ArgumentNullException.ThrowIfNull(global);
        return checked((int)global.Where(a => a.DataType != ParameterDataType.Int64).ElementCount + 1);
    }

    /// <summary>
    /// What a site masks: rᵢ·Δᵢ over the floating-point arrays in model order, then rᵢ, with
    /// rᵢ = nᵢ / <paramref name="maxWeight"/> and Δᵢ its update from <paramref name="global"/>. The
    /// simulation and a networked node (<c>flip-research client</c>) both build it here.
    /// </summary>
    /// <param name="global">The global model the site trained from.</param>
    /// <param name="site">The site, named in layout errors.</param>
    /// <param name="update">The site's update (full parameters or a difference).</param>
    /// <param name="maxWeight">The common divisor of the example counts (<see cref="SecureAggregationSettings.MaxWeight"/>).</param>
    /// <returns>The input, <see cref="InputLength"/> values.</returns>
    /// <exception cref="ParameterLayoutException">The update's layout is not the global model's.</exception>
    public static double[] SiteInput(ParameterSet global, SiteId site, SiteUpdate update, double maxWeight)
    {
        ArgumentNullException.ThrowIfNull(global);
        ArgumentNullException.ThrowIfNull(update);
        global.Layout.EnsureSame(update.Parameters.Layout, site.Value);
        var delta = update.Kind == ParameterKind.Difference ? update.Parameters : ParameterMath.Subtract(update.Parameters, global, site.Value);
        double weight = Math.Max(0, update.ExampleCount) / maxWeight;
        var input = new double[InputLength(global)];
        int offset = 0;
        foreach (var array in delta.Where(a => a.DataType != ParameterDataType.Int64))
        {
            for (int i = 0; i < array.Length; i++)
            {
                input[offset + i] = weight * array.GetDouble(i);
            }

            offset += array.Length;
        }

        input[^1] = weight;
        return input;
    }

    /// <summary>
    /// The next global model from an unmasked sum: x + Σ rᵢΔᵢ / Σ rᵢ for the floating-point arrays, and
    /// FedAvg's rounded example-weighted mean of the survivors' int64 counters, which travel in the clear.
    /// </summary>
    /// <param name="round">The round.</param>
    /// <param name="global">The global model the sites trained from.</param>
    /// <param name="sum">The dequantised sum of the survivors' <see cref="SiteInput"/>s; it becomes <see cref="LastSum"/>.</param>
    /// <param name="counters">Each survivor's int64 arrays as full parameters (an empty set when the model has none), with its example count.</param>
    /// <returns>The next global model.</returns>
    /// <exception cref="AggregationException">The survivors' weights add up to 0.</exception>
    public ParameterSet ApplySum(RoundContext round, ParameterSet global, SecureSum sum, IReadOnlyList<TrainReply> counters)
    {
        ArgumentNullException.ThrowIfNull(round);
        ArgumentNullException.ThrowIfNull(global);
        ArgumentNullException.ThrowIfNull(sum);
        ArgumentNullException.ThrowIfNull(counters);
        LastSum = sum;
        int length = InputLength(global) - 1;
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
            result = result.Replace(WeightedAverage(round, global.Where(a => a.DataType == ParameterDataType.Int64), counters));
        }

        return result;
    }

    /// <summary>A reply's int64 arrays as full parameters, for <see cref="ApplySum"/>.</summary>
    private static TrainReply Counters(ParameterSet global, TrainReply reply)
        => reply with { Update = reply.Update with { Parameters = FullParameters(global, reply).Where(a => a.DataType == ParameterDataType.Int64), Kind = ParameterKind.Full } };

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
