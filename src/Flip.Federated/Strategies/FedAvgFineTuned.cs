namespace Flip.Federated.Strategies;

/// <summary>
/// FedAvg + per-site fine-tuning: the global model is trained with FedAvg; before each evaluation a
/// site fine-tunes a copy of it on its own training data for a few epochs and evaluates that copy.
/// </summary>
/// <remarks>
/// The personalisation baseline of Wang et al., 2019, "Federated Evaluation of On-device
/// Personalization", arXiv:1910.10252, §3 (train globally, then fine-tune locally), and of FLamby's
/// benchmarks. The site: <see cref="Site"/> fine-tunes with a separate <see cref="SiteState.FineTuning"/>
/// state for <see cref="EvaluateConfig.FineTuneEpochs"/> epochs; the tuned model never leaves it.
/// </remarks>
public sealed class FedAvgFineTuned : FedAvg
{
    /// <inheritdoc/>
    public override string Name => "fedavg-fine-tuned";

    /// <summary>Epochs of local fine-tuning before each evaluation.</summary>
    /// <value>1.</value>
    public int FineTuneEpochs { get; init; } = 1;

    /// <summary>The fine-tuning learning rate.</summary>
    /// <value>0.01.</value>
    public double FineTuneLearningRate { get; init; } = 0.01;

    /// <inheritdoc/>
    protected override EvaluateConfig EvaluateConfigFor(RoundContext round, SiteId site, ParameterSet global)
        => base.EvaluateConfigFor(round, site, global) with { FineTuneEpochs = FineTuneEpochs, FineTuneLearningRate = FineTuneLearningRate };

    /// <inheritdoc/>
    public override IEnumerable<string> Validate()
    {
        foreach (var problem in base.Validate())
        {
            yield return problem;
        }

        if (FineTuneEpochs < 1)
        {
            yield return Invariant($"FineTuneEpochs must be ≥ 1 (got {FineTuneEpochs}).");
        }

        if (!(FineTuneLearningRate > 0) || !double.IsFinite(FineTuneLearningRate))
        {
            yield return Invariant($"FineTuneLearningRate must be a finite number > 0 (got {FineTuneLearningRate}).");
        }
    }
}
