namespace Flip.Federated;

/// <summary>What the server asks of a site for one evaluation on its own held-out data.</summary>
public sealed record EvaluateConfig
{
    /// <summary>The server round, from 1 (0 for the initial model).</summary>
    /// <value>0.</value>
    public int Round { get; init; }

    /// <summary>The seed of any randomness in evaluation.</summary>
    /// <value>0 until the simulation derives it.</value>
    public int Seed { get; init; }

    /// <summary>The names of the parameters the site takes from its own kept copy rather than the global model.</summary>
    /// <value>Empty.</value>
    public IReadOnlyList<string> LocalParameterNames { get; init; } = [];

    /// <summary>Epochs of local fine-tuning before evaluating (FedAvg + per-site fine-tuning); the tuned model stays at the site.</summary>
    /// <value>0: evaluate the global model as it is.</value>
    public int FineTuneEpochs { get; init; }

    /// <summary>The learning rate of the fine-tuning.</summary>
    /// <value>0.01.</value>
    public double FineTuneLearningRate { get; init; } = 0.01;

    /// <summary>When set, the number of slices per mini-batch, instead of the trainer's own.</summary>
    /// <value><see langword="null"/>: the trainer's batch size.</value>
    public int? BatchSize { get; init; }

    /// <summary>Whether batch normalisation uses the statistics of each evaluated batch (as in training) rather than the running statistics.</summary>
    /// <value><see langword="false"/>: the running statistics (evaluation mode).</value>
    /// <remarks>Travels as <see cref="ConfigKeys.BatchNorm"/> = <see cref="ConfigKeys.BatchNormBatch"/> or <see cref="ConfigKeys.BatchNormRunning"/>.</remarks>
    public bool BatchStatistics { get; init; }
}
