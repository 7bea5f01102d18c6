namespace Flip.Federated;

/// <summary>What a site sends back after training: parameters, how many examples they came from, and metrics.</summary>
/// <param name="Parameters">The trained parameters, full or as a difference from the global model.</param>
/// <param name="Kind">Whether <paramref name="Parameters"/> is full or a difference.</param>
/// <param name="ExampleCount">The number of training examples (FedAvg's weight).</param>
/// <param name="Metrics">Training metrics (loss, <see cref="MetricNames.LocalSteps"/>, …); no identifiers.</param>
public sealed record SiteUpdate(ParameterSet Parameters, ParameterKind Kind, long ExampleCount, MetricSet Metrics)
{
    /// <summary>SCAFFOLD's control-variate change Δcᵢ = cᵢ⁺ − cᵢ, or <see langword="null"/> for other strategies.</summary>
    /// <value><see langword="null"/>.</value>
    public ParameterSet? ControlVariateDelta { get; init; }
}
