using System.Globalization;
using Deedle;
using Flip.Experiments;
using Flip.Federated.Simulations;
using Flip.Reporting;
using Plotly.NET;
using Frame = Deedle.Frame;

namespace Flip.Notebooks;

/// <summary>One-line calls for notebook cells (STYLE.md §5): run strategies on a cohort with a run folder each, and turn
/// results into the report's tables, charts and pages.</summary>
/// <example>
/// <code>
/// var cohort = Experiment.SyntheticFlip6(scale: 0.02);
/// var fedavg = await Lab.RunAsync(cohort, "fedavg", rounds: 2);
/// Lab.SiteTable(fedavg)
/// </code>
/// </example>
public static partial class Lab
{
    /// <summary>The folder runs started from a notebook are stored under (one subfolder per run):
    /// <c>FLIP_NOTEBOOK_RUNS</c> when set, else <c>flip-notebook-runs</c> in the temporary folder.</summary>
    public static string RunsFolder =>
        System.Environment.GetEnvironmentVariable("FLIP_NOTEBOOK_RUNS") is { Length: > 0 } folder ? folder : Path.Combine(Path.GetTempPath(), "flip-notebook-runs");

    /// <summary>Simulates one strategy, stores the run in its own folder under <see cref="RunsFolder"/> and prints one line per round.</summary>
    /// <param name="cohort">The prepared cohort.</param>
    /// <param name="strategy">A name from <see cref="StrategyCatalog.Names"/>.</param>
    /// <param name="rounds">Federated rounds.</param>
    /// <param name="seed">The seed of everything random.</param>
    /// <param name="options">Further settings (learning rate, channels…); rounds, seed and run folder are set from the other arguments.</param>
    /// <returns>The result.</returns>
    public static async Task<ExperimentResult> RunAsync(PreparedCohort cohort, string strategy, int rounds, int seed = 7, ExperimentOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(strategy);
        return (await RunSeedsAsync(cohort, [strategy], rounds, [seed], options).ConfigureAwait(false)).Runs[0].Result;
    }

    /// <summary>Simulates several strategies one after the other with the same settings.</summary>
    /// <param name="cohort">The prepared cohort.</param>
    /// <param name="strategies">Names from <see cref="StrategyCatalog.Names"/>.</param>
    /// <param name="rounds">Federated rounds.</param>
    /// <param name="seed">The seed.</param>
    /// <param name="options">Further settings.</param>
    /// <returns>One result per strategy, in order.</returns>
    public static async Task<IReadOnlyList<ExperimentResult>> RunAllAsync(PreparedCohort cohort, IEnumerable<string> strategies, int rounds, int seed = 7, ExperimentOptions? options = null)
        => (await RunSeedsAsync(cohort, strategies, rounds, [seed], options).ConfigureAwait(false)).Results();

    /// <summary>
    /// Simulates strategies × seeds (<see cref="Study"/>) in one study folder under <see cref="RunsFolder"/>, printing one
    /// line per round: what a claim needs before it is checked (<see cref="Check(string, StudyResult, string, string, string)"/>).
    /// </summary>
    /// <param name="cohort">The prepared cohort (the same for every seed: the seeds vary the model, the sampling and the sites' randomness).</param>
    /// <param name="strategies">Names from <see cref="StrategyCatalog.Names"/>.</param>
    /// <param name="rounds">Federated rounds.</param>
    /// <param name="seeds">The seeds, e.g. <c>[7, 8, 9, 10, 11]</c>.</param>
    /// <param name="options">Further settings; rounds, seed and run folders are set from the other arguments.</param>
    /// <returns>The study's runs.</returns>
    public static async Task<StudyResult> RunSeedsAsync(PreparedCohort cohort, IEnumerable<string> strategies, int rounds, IReadOnlyList<int> seeds, ExperimentOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(strategies);
        ArgumentNullException.ThrowIfNull(seeds);
        string folder = Path.Combine(RunsFolder, $"study-{DateTime.UtcNow:yyyyMMdd-HHmmss}-{Guid.NewGuid():N}"[..^24]);
        var settings = (options ?? new ExperimentOptions()) with { Rounds = rounds, Seed = seeds.Count > 0 ? seeds[0] : 7 };
        var progress = new SynchronousProgress<StudyProgress>(p => PrintRound(seeds.Count > 1 ? string.Create(CultureInfo.InvariantCulture, $"{p.Strategy} (seed {p.Seed})") : p.Strategy, p.Round));
        return await Study.RunAsync(cohort, [.. strategies], settings, seeds, folder, progress).ConfigureAwait(false);
    }

    /// <summary>The one line a notebook run prints per finished round.</summary>
    private static void PrintRound(string name, RoundReport round) =>
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{name}: round {round.Round}/{round.TotalRounds} done in {round.Elapsed.TotalSeconds:0.0} s"));

    /// <summary>A result as the report reads it: its run folder (with the cohort and per-patient scores) when it has one,
    /// else its metrics. The server's example-weighted aggregate (site <c>federated</c>) is left out: it is neither a
    /// hospital nor the pooled evaluation, and would count as a seventh site in fairness figures.</summary>
    /// <param name="result">The result.</param>
    /// <param name="name">The name in tables and legends; the strategy's name by default.</param>
    /// <returns>The run record.</returns>
    public static RunRecord Record(ExperimentResult result, string? name = null)
    {
        ArgumentNullException.ThrowIfNull(result);
        name ??= result.Strategy;
        if (result.Run.RunFolder is { } folder && File.Exists(Path.Combine(folder, RunRecord.MetricsFile)) && File.Exists(Path.Combine(folder, RunRecord.ConfigurationFile)))
        {
            RunRecord stored = RunRecord.Load(folder);
            return stored with { Name = name, Metrics = new MetricTable(stored.Metrics.Rows.Where(r => r.Site != MetricRecord.FederatedSite)) };
        }

        var metrics = Metrics(result.Run);
        var configuration = RunConfiguration.From([
            KeyValuePair.Create("strategy", result.Strategy),
            KeyValuePair.Create("rounds", result.Run.RoundsCompleted.ToString(CultureInfo.InvariantCulture)),
        ]);
        return new RunRecord(name, configuration, metrics, [], []);
    }

    /// <summary>Runs side by side as the report shows them; displays itself.</summary>
    /// <param name="results">The runs; a <c>local-only</c> run becomes the baseline of "who gains, who loses".</param>
    /// <returns>The view.</returns>
    public static ReportView Report(params ExperimentResult[] results) => Report((IEnumerable<ExperimentResult>)results);

    /// <summary>Runs side by side as the report shows them; displays itself.</summary>
    /// <param name="results">The runs.</param>
    /// <param name="metric">The metric of the tables and charts; AUROC by default.</param>
    /// <returns>The view.</returns>
    public static ReportView Report(IEnumerable<ExperimentResult> results, string metric = MetricNames.Auroc)
    {
        ArgumentNullException.ThrowIfNull(results);
        var runs = results.Select(r => Record(r)).ToList();
        string? local = runs.FirstOrDefault(r => r.Name.Equals("local-only", StringComparison.OrdinalIgnoreCase))?.Name;
        return new ReportView(runs, new ReportOptions { Metric = metric, LocalRun = runs.Count > 1 ? local : null, BootstrapResamples = 200 });
    }

    /// <summary>Each site's test metrics at the last round (rows: sites, then pooled; columns: metrics).</summary>
    /// <param name="result">The run.</param>
    /// <returns>The frame (displays as a table).</returns>
    public static Frame<string, string> SiteTable(ExperimentResult result) => Frames.SiteTable(Record(result).Metrics);

    /// <summary>One metric per site by round, pooled dashed.</summary>
    /// <param name="result">The run.</param>
    /// <param name="metric">The metric; AUROC by default.</param>
    /// <returns>The chart (displays inline).</returns>
    public static GenericChart Curves(ExperimentResult result, string metric = MetricNames.Auroc)
    {
        ArgumentNullException.ThrowIfNull(result);
        return Charts.MetricByRound(Record(result).Metrics, metric, SplitNames.Test, $"{result.Strategy}: {MetricNames.Label(metric)} per site by round (test)");
    }

    /// <summary>One metric, site × strategy, each run at its last round (rows: sites, then pooled).</summary>
    /// <param name="results">The runs.</param>
    /// <param name="metric">The metric; AUROC by default.</param>
    /// <returns>The frame.</returns>
    public static Frame<string, string> SiteByStrategy(IEnumerable<ExperimentResult> results, string metric = MetricNames.Auroc)
        => Frames.SiteByRun([.. results.Select(r => Record(r))], metric);

    /// <summary>Fairness of one metric across sites at a run's last round (mean, worst, gap, Jain's index…).</summary>
    /// <param name="result">The run.</param>
    /// <param name="metric">The metric; AUROC by default.</param>
    /// <returns>The summary (displays as a table).</returns>
    public static FairnessSummary Fairness(ExperimentResult result, string metric = MetricNames.Auroc)
    {
        var record = Record(result);
        return Flip.Reporting.Fairness.Summarize(record.Metrics, metric, record.Metrics.LastRound);
    }

    internal static string Render(Comparison comparison)
    {
        var cells = comparison.Sites.SelectMany(site => comparison.Strategies.Select(strategy =>
            (Site: site, Strategy: strategy, Value: comparison.Value(strategy, site, MetricNames.Auroc)))).ToList();
        Frame<string, string> table = Frame.FromValues(cells, c => c.Strategy, c => c.Site, c => c.Value);
        var fairness = comparison.Fairness(MetricNames.Auroc);
        Frame<string, string> summary = Frame.FromValues(
            fairness.SelectMany(f => new[] { (f.Strategy, Column: "mean", Value: f.Mean), (f.Strategy, Column: "worst", Value: f.Worst), (f.Strategy, Column: "best", Value: f.Best), (f.Strategy, Column: "gap", Value: f.Gap) }),
            c => c.Column, c => c.Strategy, c => c.Value);
        return Html.Render(table, "AUROC per site (rows) and strategy (columns), last round", mark: CellMark.LowestPerColumn)
            + Html.Render(summary, "Fairness across sites: mean, worst and best site, best − worst gap");
    }
}
