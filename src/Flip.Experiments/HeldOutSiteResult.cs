using Flip.Federated;

namespace Flip.Experiments;

/// <summary>A federation trained without one hospital, and how its model does at that hospital.</summary>
/// <param name="HeldOutSite">The hospital left out of training.</param>
/// <param name="Federation">The run of the other hospitals.</param>
/// <param name="HeldOutMetrics">Metrics of the final model on all of the held-out hospital's patients.</param>
/// <param name="HeldOutPatients">How many patients that is.</param>
public sealed record HeldOutSiteResult(string HeldOutSite, ExperimentResult Federation, MetricSet HeldOutMetrics, long HeldOutPatients);
