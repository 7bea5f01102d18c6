using Flip.Learning.Models;
using Flip.Learning.Training;

namespace Flip.Experiments;

/// <summary>How one simulated experiment trains.</summary>
public sealed record ExperimentOptions
{
    /// <summary>Federated rounds.</summary>
    /// <value>10.</value>
    public int Rounds { get; init; } = 10;

    /// <summary>Seed of the model's initial weights, every site's shuffling and the strategy's sampling.</summary>
    /// <value>7.</value>
    public int Seed { get; init; } = 7;

    /// <summary>Local epochs per round.</summary>
    /// <value>1.</value>
    public int LocalEpochs { get; init; } = 1;

    /// <summary>Local learning rate.</summary>
    /// <value>0.002.</value>
    public double LearningRate { get; init; } = 0.002;

    /// <summary>
    /// The fewest successful training replies with which a federated round is aggregated (<see cref="Federated.Strategies.Strategy.MinTrainSites"/>);
    /// the local-only and centralised baselines keep their own minimum of one.
    /// </summary>
    /// <value>2 (Flower's <c>min_fit_clients</c>).</value>
    public int MinTrainSites { get; init; } = 2;

    /// <summary>FedProx's μ.</summary>
    /// <value>0.01.</value>
    public double ProximalMu { get; init; } = 0.01;

    /// <summary>Channels at the U-Net's first level.</summary>
    /// <value>8.</value>
    public int BaseChannels { get; init; } = 8;

    /// <summary>The normalisation layer of the U-Net.</summary>
    /// <value><see cref="Normalization.Batch"/>.</value>
    public Normalization Normalization { get; init; } = Normalization.Batch;

    /// <summary>The model these options train on slices of <paramref name="inputChannels"/> channels (a 2D U-Net, 2 classes).</summary>
    /// <param name="inputChannels">The channels of the cohort's slices.</param>
    /// <returns>The recipe, recorded in run.json.</returns>
    public ModelRecipe ModelRecipe(int inputChannels) => new() { InputChannels = inputChannels, BaseChannels = BaseChannels, Normalization = Normalization };

    /// <summary><c>auto</c>, <c>cpu</c>, <c>cuda</c> or <c>cuda:N</c>.</summary>
    /// <value>auto.</value>
    public string Device { get; init; } = "auto";

    /// <summary>Batch size, optimizer, augmentation.</summary>
    public TrainerOptions Trainer { get; init; } = new();

    /// <summary>Where the run folder goes, or <see langword="null"/> for none.</summary>
    public string? RunFolder { get; init; }

    /// <summary>
    /// Continue the run in <see cref="RunFolder"/> after its last finished round (after a crash or
    /// Ctrl-C) instead of starting it; a folder without progress starts fresh.
    /// </summary>
    /// <value><see langword="false"/>.</value>
    public bool Resume { get; init; }

    /// <summary>A poisoned site that sends a corrupted update every round (robustness studies), or <see langword="null"/> for none.</summary>
    /// <value><see langword="null"/>.</value>
    public Flip.Federated.Attacks.SiteAttack? Attack { get; init; }

    /// <summary>SecAgg+'s settings for <c>fedavg-secagg</c> (neighbours, threshold, quantisation).</summary>
    /// <value>Every pair joined, threshold 0.5.</value>
    public Flip.Federated.SecureAggregation.SecureAggregationSettings SecureAggregation { get; init; } = new();

    /// <summary>DP-FedAvg's clipping norm, noise multiplier and noise placement for <c>dp-fedavg</c>.</summary>
    /// <value>C = 1, z = 1, central.</value>
    public PrivacySettings Privacy { get; init; } = new();

    /// <summary>libtorch intra-op threads, or 0 to keep libtorch's default (one per core).</summary>
    /// <value>0.</value>
    public int Threads { get; init; }
}
