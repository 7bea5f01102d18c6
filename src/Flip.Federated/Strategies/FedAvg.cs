namespace Flip.Federated.Strategies;

/// <summary>
/// FedAvg: each sampled site trains locally from the global model; the server replaces the model by
/// the example-weighted mean of the sites' parameters, x ← Σᵢ (nᵢ / n) · yᵢ.
/// </summary>
/// <remarks>
/// McMahan et al., 2017, "Communication-Efficient Learning of Deep Networks from Decentralized
/// Data", AISTATS, arXiv:1602.05629, Algorithm 1 (FederatedAveraging), w_{t+1} ← Σ_k (n_k / n) w^k_{t+1}.
/// The site: run <see cref="TrainConfig.LocalEpochs"/> epochs of SGD at <see cref="TrainConfig.LearningRate"/>
/// and send the parameters with the number of training examples.
/// </remarks>
public class FedAvg : Strategy
{
    /// <inheritdoc/>
    public override string Name => "fedavg";

    /// <inheritdoc/>
    public override ParameterSet AggregateTrain(RoundContext round, ParameterSet global, TrainReplies replies)
    {
        ArgumentNullException.ThrowIfNull(replies);
        EnsureEnoughReplies(round, replies);
        return Step(round, global, WeightedAverage(round, global, replies.Succeeded));
    }

    /// <summary>Streams (<see cref="StreamingWeightedMean"/>) unless a subclass replaces <see cref="AggregateTrain"/> itself.</summary>
    /// <param name="round">The round.</param>
    /// <param name="global">The global parameters.</param>
    /// <returns>The aggregator.</returns>
    public override TrainAggregator StartTrainAggregation(RoundContext round, ParameterSet global)
        => GetType().GetMethod(nameof(AggregateTrain))!.DeclaringType == typeof(FedAvg)
            ? new StreamingWeightedMean(this, round, global)
            : base.StartTrainAggregation(round, global);

    /// <summary>The next global model from the sites' example-weighted mean; FedAvg takes the mean itself.</summary>
    /// <param name="round">The round.</param>
    /// <param name="global">The global parameters the sites started from.</param>
    /// <param name="average">Σᵢ (nᵢ/n)·yᵢ.</param>
    /// <returns>The next global parameters.</returns>
    protected virtual ParameterSet FromAverage(RoundContext round, ParameterSet global, ParameterSet average) => average;

    internal ParameterSet FromAverageInternal(RoundContext round, ParameterSet global, ParameterSet average) => Step(round, global, average);

    // The server step moves trained weights only. Running statistics are not a gradient's target: momentum or an adaptive
    // step would move a running variance by its own size or more (FedAvgM's momentum turned one negative, the test loss
    // NaN) and a step counter by a fraction; they take the sites' average, as a site's own optimiser leaves them to BatchNorm.
    private ParameterSet Step(RoundContext round, ParameterSet global, ParameterSet average)
    {
        ParameterSet next = FromAverage(round, global, average);
        return ReferenceEquals(next, average) ? next : next.Replace(average.Where(a => IsRunningStatistic(a.Name, a.DataType)));
    }

    /// <summary>
    /// Whether an array is a running statistic rather than a trained weight: PyTorch's BatchNorm buffers
    /// (<c>running_mean</c>, <c>running_var</c>, <c>num_batches_tracked</c>) and any int64 counter. A server
    /// optimiser (FedAvgM, FedAdam, FedYogi, FedAdagrad) leaves them to the sites' average.
    /// </summary>
    /// <param name="name">The array's name, e.g. <c>enc1.bn1.running_var</c>.</param>
    /// <param name="type">Its element type.</param>
    /// <returns>Whether the server optimiser leaves it to the FedAvg average.</returns>
    public static bool IsRunningStatistic(string name, ParameterDataType type)
    {
        ArgumentNullException.ThrowIfNull(name);
        return type == ParameterDataType.Int64
            || name.EndsWith(".running_mean", StringComparison.Ordinal)
            || name.EndsWith(".running_var", StringComparison.Ordinal)
            || name.EndsWith(".num_batches_tracked", StringComparison.Ordinal);
    }
}
