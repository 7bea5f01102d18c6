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
        return WeightedAverage(round, global, replies.Succeeded);
    }
}
