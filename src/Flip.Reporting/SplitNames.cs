namespace Flip.Reporting;

/// <summary>The <c>split</c> column values of <c>metrics.csv</c> that reports know about.</summary>
/// <remarks>Other values are kept and shown as they are. A split <c>cross:site-k</c> on a row of site
/// <c>site-j</c> means the model trained at site-j alone, evaluated on site-k's test patients; reports
/// draw those rows as the site × site generalisation heat map.</remarks>
public static class SplitNames
{
    /// <summary>A site's own training patients.</summary>
    public const string Train = Flip.Federated.Simulations.MetricRecord.TrainSplit;

    /// <summary>A site's own held-out test patients (the default for reports).</summary>
    public const string Test = Flip.Federated.Simulations.MetricRecord.TestSplit;

    /// <summary>All sites' test patients evaluated together.</summary>
    public const string Pooled = "pooled";

    /// <summary>The prefix of a cross-site evaluation split: <c>cross:site-k</c>.</summary>
    public const string CrossPrefix = Flip.Federated.Runs.MetricsFile.CrossSplitPrefix;
}
