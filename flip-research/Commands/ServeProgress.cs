using System.Globalization;
using Flip.Federated.Simulations;

namespace Flip.Cli.Commands;

/// <summary>The lines <c>serve</c> prints: one per round (with who dropped and why) and a summary.</summary>
internal static class ServeProgress
{
    public static string Line(RoundReport r)
    {
        string line = string.Create(CultureInfo.InvariantCulture,
            $"round {r.Round}/{r.TotalRounds}: {r.SitesAggregated} node(s) aggregated, {r.Failures.Count} failed; {r.Federated}; {r.Elapsed.TotalSeconds:F1} s");
        if (r.Failures.Count > 0)
        {
            line += "; dropped: " + string.Join(", ", r.Failures.Select(f => $"{f.Site} {f.Step} ({f.Category.ToString().ToLowerInvariant()}: {f.Reason})"));
        }

        return line;
    }

    public static string Summary(RunResult run, string folder)
        => string.Create(CultureInfo.InvariantCulture,
            $"Done: {run.RoundsCompleted} rounds, {run.Failures.Count} failure(s) (failures.csv). metrics.csv, checkpoints/ and final-model.safetensors in {folder}.");

    /// <summary>Reports on the calling thread, so round lines print in order and before the summary.</summary>
    public sealed class Immediate(Action<RoundReport> report) : IProgress<RoundReport>
    {
        public void Report(RoundReport value) => report(value);
    }
}
