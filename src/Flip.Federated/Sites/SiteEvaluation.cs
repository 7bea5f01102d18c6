namespace Flip.Federated;

/// <summary>What a site sends back after evaluating on its own held-out data.</summary>
/// <param name="ExampleCount">The number of held-out examples.</param>
/// <param name="Metrics">The metrics (loss, accuracy, Dice, AUROC, …); no identifiers.</param>
public sealed record SiteEvaluation(long ExampleCount, MetricSet Metrics);
