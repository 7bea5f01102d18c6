namespace Flip.Federated.Simulations;

/// <summary>Stop a run when the federated test metric has not improved for a number of rounds.</summary>
public sealed record EarlyStopping
{
    /// <summary>The federated (example-weighted) test metric to watch.</summary>
    /// <value><see cref="MetricNames.Loss"/>.</value>
    public string Metric { get; init; } = MetricNames.Loss;

    /// <summary>Whether a higher value is better (accuracy, AUROC) or a lower one (loss).</summary>
    /// <value><see langword="false"/>: lower is better.</value>
    public bool HigherIsBetter { get; init; }

    /// <summary>Rounds without improvement after which the run stops.</summary>
    /// <value>5.</value>
    public int Patience { get; init; } = 5;

    /// <summary>The smallest change that counts as an improvement.</summary>
    /// <value>0.</value>
    public double MinDelta { get; init; }
}
