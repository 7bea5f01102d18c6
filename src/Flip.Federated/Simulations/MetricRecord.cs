namespace Flip.Federated.Simulations;

/// <summary>One row of <c>metrics.csv</c> (long format).</summary>
/// <param name="Round">The round, from 1.</param>
/// <param name="Site">The site id, or <see cref="FederatedSite"/> for the strategy's aggregate, or <see cref="ServerSite"/> for round facts.</param>
/// <param name="Split">The split: <see cref="TrainSplit"/>, <see cref="TestSplit"/> or <see cref="RoundSplit"/>.</param>
/// <param name="Metric">The metric name (<see cref="MetricNames"/>).</param>
/// <param name="Value">The value.</param>
public sealed record MetricRecord(int Round, string Site, string Split, string Metric, double Value)
{
    /// <summary>The site column of the strategy's aggregated evaluation.</summary>
    public const string FederatedSite = "federated";

    /// <summary>The site column of facts about the round itself (sites aggregated, sites failed).</summary>
    public const string ServerSite = "server";

    /// <summary>Metrics a site reported while training.</summary>
    public const string TrainSplit = "train";

    /// <summary>Metrics on held-out data.</summary>
    public const string TestSplit = "test";

    /// <summary>Facts about the round.</summary>
    public const string RoundSplit = "round";
}
