namespace Flip.Reporting;

/// <summary>What a report shows: which metric, which split, how the bootstrap runs.</summary>
public sealed record ReportOptions
{
    /// <summary>The report's title.</summary>
    /// <value>"FLIP Research report".</value>
    public string Title { get; init; } = "FLIP Research report";

    /// <summary>The metric the per-site bars, fairness summary and comparisons are about.</summary>
    /// <value><see cref="MetricNames.Auroc"/>.</value>
    public string Metric { get; init; } = MetricNames.Auroc;

    /// <summary>The split whose rows are reported.</summary>
    /// <value><see cref="SplitNames.Test"/>: each site's held-out patients.</value>
    public string Split { get; init; } = SplitNames.Test;

    /// <summary>Seeds the bootstrap, so the same runs give the same report.</summary>
    /// <value>7.</value>
    public int Seed { get; init; } = 7;

    /// <summary>Bootstrap resamples per site for the AUROC confidence intervals; 0 leaves the intervals out.</summary>
    /// <value>1000.</value>
    public int BootstrapResamples { get; init; } = 1000;

    /// <summary>The name of the run trained on each site's data alone, the baseline for "who gains, who loses".</summary>
    /// <value><see langword="null"/>: the first run whose name contains "local" (any case), if any.</value>
    public string? LocalRun { get; init; }

    /// <summary>A prefix for the report's chart element ids, so several reports can share one page (a notebook's outputs).</summary>
    /// <value>Empty: ids are <c>chart-gap</c>, <c>chart-roc-1</c>, ….</value>
    public string ElementIdPrefix { get; init; } = "";

    /// <summary>The problems with these options, every one, each a sentence; empty when they are usable.</summary>
    /// <returns>The problems.</returns>
    public IEnumerable<string> Validate()
    {
        if (string.IsNullOrWhiteSpace(Metric)) yield return "Metric must name a metric such as 'auroc'.";
        if (string.IsNullOrWhiteSpace(Split)) yield return "Split must name a split such as 'test'.";
        if (!ElementIdPrefix.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_'))
            yield return $"ElementIdPrefix must be letters, digits, '-' or '_' (got '{ElementIdPrefix}').";
        if (BootstrapResamples < 0) yield return $"BootstrapResamples must be ≥ 0 (got {BootstrapResamples}).";
    }
}
