namespace Flip.Federated;

/// <summary>What the server asks of a site for one round of training. Values, no behaviour.</summary>
/// <remarks>Each value travels under its <see cref="ConfigKeys"/> key when the site is a real node.</remarks>
public sealed record TrainConfig
{
    /// <summary>The server round, from 1.</summary>
    /// <value>0 until the simulation fills it in.</value>
    public int Round { get; init; }

    /// <summary>The number of passes over the site's training data.</summary>
    /// <value>1.</value>
    public int LocalEpochs { get; init; } = 1;

    /// <summary>When set, the site takes exactly this many optimiser steps (cycling through its data as often as needed) instead of <see cref="LocalEpochs"/> passes.</summary>
    /// <value><see langword="null"/>: train <see cref="LocalEpochs"/> epochs.</value>
    public int? LocalSteps { get; init; }

    /// <summary>When set, the number of slices per mini-batch, instead of the trainer's own.</summary>
    /// <value><see langword="null"/>: the trainer's batch size.</value>
    public int? BatchSize { get; init; }

    /// <summary>The local learning rate η_l.</summary>
    /// <value>0.01.</value>
    public double LearningRate { get; init; } = 0.01;

    /// <summary>FedProx's proximal weight μ: the site adds μ/2·‖w − wᵗ‖² to its loss.</summary>
    /// <value>0 (plain FedAvg).</value>
    public double ProximalMu { get; init; }

    /// <summary>The seed of all the site's randomness in this round (shuffling, augmentation, dropout).</summary>
    /// <value>0 until the simulation derives it from the run seed, the round and the site.</value>
    public int Seed { get; init; }

    /// <summary>The names of the parameters that stay at the site (FedBN's normalisation layers; everything for local-only).</summary>
    /// <value>Empty: every parameter is shared.</value>
    public IReadOnlyList<string> LocalParameterNames { get; init; } = [];

    /// <summary>Whether the site applies SCAFFOLD's control-variate correction and update.</summary>
    /// <value><see langword="false"/>.</value>
    public bool UseControlVariates { get; init; }

    /// <summary>SCAFFOLD's server control variate c, sent with the model when <see cref="UseControlVariates"/> is set.</summary>
    /// <value><see langword="null"/>.</value>
    public ParameterSet? ServerControlVariate { get; init; }

    /// <summary>When set, the site clips its update Δ = y − x to this L2 norm before sending it (local DP-FedAvg).</summary>
    /// <value><see langword="null"/>: no clipping at the site.</value>
    public double? ClippingNorm { get; init; }

    /// <summary>The standard deviation of the Gaussian noise the site adds to each coordinate of its clipped update (local DP).</summary>
    /// <value>0: no noise at the site.</value>
    public double LocalNoiseStandardDeviation { get; init; }
}
