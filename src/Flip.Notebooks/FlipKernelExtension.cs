using System.Reflection;
using Deedle;
using Flip.Experiments;
using Flip.Reporting;
using Microsoft.DotNet.Interactive;
using Microsoft.DotNet.Interactive.Formatting;
using Html = Flip.Reporting.Html;
using Plotly.NET;

namespace Flip.Notebooks;

/// <summary>The notebook kernel extension: makes the project's values display themselves inline as HTML, with the same
/// renderers as <c>report.html</c> (<see cref="Html"/>, <see cref="Report"/>), offline — plotly.js is inlined once per
/// notebook instead of loaded from a CDN.</summary>
/// <remarks>Registers, for <c>text/html</c>: <see cref="ExperimentResult"/> and <see cref="RunRecord"/> (a one-run report),
/// <see cref="ReportView"/>, <see cref="Comparison"/> (site × strategy table and fairness), Deedle frames, Plotly.NET
/// charts and <see cref="FairnessSummary"/>. Nothing else: no I/O, no kernel commands.</remarks>
public sealed class FlipKernelExtension : IKernelExtension
{
    private static readonly MethodInfo RenderFrame = typeof(Html).GetMethods()
        .Single(m => m.Name == nameof(Html.Render) && m.IsGenericMethodDefinition);

    /// <summary>Registers the formatters (what <c>notebooks/flip.csx</c> calls).</summary>
    public static void Register()
    {
        PlotlyOnce.Reset();
        Formatter.Register<GenericChart>((chart, writer) => writer.Write(Chart(chart)), HtmlFormatter.MimeType);
        Formatter.Register<FairnessSummary>((summary, writer) => writer.Write(Styled(Html.Render(summary))), HtmlFormatter.MimeType);
        Formatter.Register<RunRecord>((run, writer) => writer.Write(WithPlotly(new ReportView([run], new ReportOptions()).ToHtml())), HtmlFormatter.MimeType);
        Formatter.Register<ReportView>((view, writer) => writer.Write(WithPlotly(view.ToHtml())), HtmlFormatter.MimeType);
        Formatter.Register<ExperimentResult>((result, writer) => writer.Write(WithPlotly(new ReportView([Lab.Record(result)], new ReportOptions()).ToHtml())), HtmlFormatter.MimeType);
        Formatter.Register<Comparison>((comparison, writer) => writer.Write(Styled(Lab.Render(comparison))), HtmlFormatter.MimeType);
        Formatter.Register(typeof(Frame<,>), (value, writer) =>
        {
            Type[] keys = value.GetType().GetGenericArguments();
            string html = (string)RenderFrame.MakeGenericMethod(keys).Invoke(null, [value, null, "0.000", CellMark.None])!;
            writer.Write(Styled(html));
        }, HtmlFormatter.MimeType);
    }

    /// <inheritdoc/>
    public Task OnLoadAsync(Kernel kernel)
    {
        Register();
        return Task.CompletedTask;
    }

    internal static string Chart(GenericChart chart) => WithPlotly(Html.Render(chart, PlotlyOnce.NextId("chart")));

    internal static string WithPlotly(string html) => html.Contains("Plotly.newPlot", StringComparison.Ordinal) ? PlotlyOnce.Script() + html : html;

    internal static string Styled(string html) => $"<div class=\"flip-report\"><style>{Html.Stylesheet.Replace("body {", ".flip-report {", StringComparison.Ordinal)}</style>\n{html}</div>";
}
