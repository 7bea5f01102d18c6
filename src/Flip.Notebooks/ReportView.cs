using Flip.Reporting;

namespace Flip.Notebooks;

/// <summary>Runs shown as the report shows them (configuration, cohort, per-site table, charts, fairness): displays
/// itself inline in a notebook through <see cref="FlipKernelExtension"/>.</summary>
/// <param name="Runs">The runs, in column order.</param>
/// <param name="Options">Metric, split and the local-only run to compare against.</param>
public sealed record ReportView(IReadOnlyList<RunRecord> Runs, ReportOptions Options)
{
    /// <summary>The HTML fragment (plotly.js not included).</summary>
    /// <returns>The HTML.</returns>
    public string ToHtml() => Report.RenderFragment(Runs, Options with { ElementIdPrefix = PlotlyOnce.NextId("report") + "-" }, includePlotly: false);
}
