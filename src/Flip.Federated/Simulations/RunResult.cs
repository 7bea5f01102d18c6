namespace Flip.Federated.Simulations;

/// <summary>What a finished simulation returns.</summary>
/// <param name="FinalParameters">The global parameters after the last round.</param>
/// <param name="Metrics">Every metric in long format (round, site, split, metric, value), in the order written.</param>
/// <param name="Failures">Every site failure of the run.</param>
/// <param name="RoundsCompleted">The last round finished.</param>
/// <param name="StoppedEarly">Whether early stopping ended the run.</param>
/// <param name="RunFolder">The run folder, when a run store was used.</param>
public sealed record RunResult(ParameterSet FinalParameters, IReadOnlyList<MetricRecord> Metrics, IReadOnlyList<SiteFailure> Failures, int RoundsCompleted, bool StoppedEarly, string? RunFolder);
