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

    /// <summary>
    /// Whether a served study succeeded: every round asked for completed and aggregated at least one update.
    /// Returns <see langword="null"/> when it did, else the one-line summary of what failed.
    /// </summary>
    /// <param name="run">The run's result.</param>
    /// <param name="rounds">The rounds asked for.</param>
    /// <param name="reports">The round reports seen by this process (a resumed run reports only its own rounds).</param>
    public static string? StudyFailure(RunResult run, int rounds, IReadOnlyList<RoundReport> reports)
    {
        int[] empty = [.. reports.Where(r => r.Skipped || r.SitesAggregated == 0).Select(r => r.Round)];
        int completed = run.RoundsCompleted;
        if (empty.Length == 0 && completed >= rounds)
        {
            return null;
        }

        var what = new List<string>();
        if (completed < rounds)
        {
            what.Add(string.Create(CultureInfo.InvariantCulture, $"{completed} of {rounds} rounds completed"));
        }

        if (empty.Length > 0)
        {
            what.Add(string.Create(CultureInfo.InvariantCulture,
                $"{empty.Length} of {reports.Count} round(s) aggregated no update (round {string.Join(", ", empty)}), so the model was not trained there"));
        }

        return string.Create(CultureInfo.InvariantCulture,
            $"Study failed: {string.Join("; ", what)}; {run.Failures.Count} node failure(s), reasons in failures.csv and above.");
    }

    /// <summary>Records every report and passes it on: what <see cref="StudyFailure"/> reads.</summary>
    public sealed class Recording(IProgress<RoundReport> inner) : IProgress<RoundReport>
    {
        private readonly List<RoundReport> _reports = [];

        /// <summary>The reports so far.</summary>
        public IReadOnlyList<RoundReport> Reports
        {
            get
            {
                lock (_reports)
                {
                    return [.. _reports];
                }
            }
        }

        public void Report(RoundReport value)
        {
            lock (_reports)
            {
                _reports.Add(value);
            }

            inner.Report(value);
        }
    }

    /// <summary>Reports on the calling thread, so round lines print in order and before the summary.</summary>
    public sealed class Immediate(Action<RoundReport> report) : IProgress<RoundReport>
    {
        public void Report(RoundReport value) => report(value);
    }
}
