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
        return FromAverage(round, global, WeightedAverage(round, global, replies.Succeeded));
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

    internal ParameterSet FromAverageInternal(RoundContext round, ParameterSet global, ParameterSet average) => FromAverage(round, global, average);
}
