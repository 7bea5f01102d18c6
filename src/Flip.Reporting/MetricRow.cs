namespace Flip.Reporting;

/// <summary>One line of a run's long-format <c>metrics.csv</c>: a metric's value for a site, split and round.</summary>
/// <param name="Round">The federated round, 0 for an evaluation before training, then 1, 2, ….</param>
/// <param name="Site">A site id such as <c>site-3</c>, or <see cref="SiteIds.Pooled"/> for all sites' patients together.</param>
/// <param name="Split">Which patients were evaluated: <see cref="SplitNames.Train"/>, <see cref="SplitNames.Test"/>, ….</param>
/// <param name="Metric">A lower kebab-case metric key from <see cref="MetricNames"/>, such as <c>auroc</c>.</param>
/// <param name="Value">The metric's value.</param>
public sealed record MetricRow(int Round, string Site, string Split, string Metric, double Value);
