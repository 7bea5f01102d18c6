namespace Flip.Federated;

/// <summary>
/// The only thing that touches a site's patient data: trains the global model locally and
/// evaluates it on the site's held-out data. One contract for a simulated site and a real
/// hospital node (MONAI's <c>ClientAlgo</c>).
/// </summary>
/// <remarks>
/// A trainer must take all randomness from <see cref="TrainConfig.Seed"/> / <see cref="EvaluateConfig.Seed"/>
/// so that a run is repeatable. It reads <see cref="TrainConfig.ProximalMu"/> (FedProx: add
/// μ/2·‖w − wᵗ‖² to the loss) and, when <see cref="TrainConfig.UseControlVariates"/> is set,
/// corrects each gradient step by <c>c − cᵢ</c> using <see cref="TrainConfig.ServerControlVariate"/>
/// and <see cref="SiteState.ControlVariate"/> (SCAFFOLD), and reports its step count as
/// <see cref="MetricNames.LocalSteps"/>. Everything else (FedBN's local layers, clipping, local
/// noise, SCAFFOLD's cᵢ update) is done by <see cref="Site"/> around the trainer.
/// </remarks>
public interface ISiteTrainer
{
    /// <summary>Trains locally, starting from <paramref name="global"/>.</summary>
    /// <param name="global">The parameters to start from (with the site's local layers already put back).</param>
    /// <param name="config">Epochs, learning rate, seed and strategy-specific values.</param>
    /// <param name="state">What persists at this site between rounds (optimizer state, …).</param>
    /// <param name="ct">Cancels training (a deadline, Ctrl-C).</param>
    /// <returns>The trained parameters, the example count and training metrics.</returns>
    Task<SiteUpdate> TrainAsync(ParameterSet global, TrainConfig config, SiteState state, CancellationToken ct);

    /// <summary>Evaluates parameters on the site's own held-out data.</summary>
    /// <param name="global">The parameters to evaluate.</param>
    /// <param name="config">The round and seed.</param>
    /// <param name="state">What persists at this site between rounds.</param>
    /// <param name="ct">Cancels evaluation.</param>
    /// <returns>The held-out example count and metrics.</returns>
    Task<SiteEvaluation> EvaluateAsync(ParameterSet global, EvaluateConfig config, SiteState state, CancellationToken ct);

    /// <summary>Counts and label balance of the site's data, no identifiers.</summary>
    /// <returns>The summary.</returns>
    SiteSummary Describe();
}
