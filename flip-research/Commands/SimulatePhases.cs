using System.Diagnostics;
using System.Globalization;
using Flip.Federated.Simulations;
using Spectre.Console;

namespace Flip.Cli.Commands;

/// <summary>
/// Where a <c>simulate</c> run's time went: cohort, preprocessing, each site's training per round, evaluation, report;
/// and the process's peak resident memory. Printed as a table at the end and kept in simulate.json.
/// </summary>
internal sealed class SimulatePhases
{
    private readonly Dictionary<string, List<double>> _siteTrainSeconds = [];
    private readonly long _started = Stopwatch.GetTimestamp();
    private double _evaluateSeconds;

    /// <summary>Seconds to build the cohort's description (patients, studies, labels; the synthetic one writes no pixel yet).</summary>
    public double CohortSeconds { get; set; }

    /// <summary>Seconds to split the patients and turn their images into training and test slices (or read them from the cache).</summary>
    public double PreprocessingSeconds { get; set; }

    /// <summary>Seconds of the tables, comparison.csv and report.html.</summary>
    public double ReportSeconds { get; set; }

    /// <summary>Seconds of all strategies' rounds (training, aggregation, evaluation, checkpoints).</summary>
    public double RoundsSeconds { get; set; }

    /// <summary>Folds one round's times in.</summary>
    public void Add(RoundReport round)
    {
        foreach (var (site, time) in round.SiteTrainTimes)
        {
            if (!_siteTrainSeconds.TryGetValue(site, out List<double>? times))
            {
                _siteTrainSeconds[site] = times = [];
            }

            times.Add(time.TotalSeconds);
        }

        _evaluateSeconds += round.EvaluateTime.TotalSeconds;
    }

    /// <summary>The phases as simulate.json keeps them: kebab-case names, seconds (training per site: the median round).</summary>
    public IReadOnlyDictionary<string, double> Seconds()
    {
        var phases = new Dictionary<string, double>
        {
            ["cohort"] = CohortSeconds,
            ["preprocessing"] = PreprocessingSeconds,
            ["training"] = _siteTrainSeconds.Values.Sum(t => t.Sum()),
            ["evaluation"] = _evaluateSeconds,
            ["rounds"] = RoundsSeconds,
            ["report"] = ReportSeconds,
            ["total"] = Stopwatch.GetElapsedTime(_started).TotalSeconds,
        };
        foreach (var (site, times) in _siteTrainSeconds.OrderBy(p => p.Key, StringComparer.Ordinal))
        {
            phases[$"training-per-round-{site}"] = Median(times);
        }

        return phases;
    }

    /// <summary>The table printed at the end of the run.</summary>
    public Table Table(double peakRssMegabytes)
    {
        var table = new Table().Border(TableBorder.Simple).Title("Where the time went")
            .AddColumn("phase").AddColumn(new TableColumn("seconds").RightAligned()).AddColumn("note");
        table.AddRow("cohort", F(CohortSeconds), "patients, studies, labels");
        table.AddRow("preprocessing", F(PreprocessingSeconds), "split, images → slices (or the cache)");
        table.AddRow("training", F(_siteTrainSeconds.Values.Sum(t => t.Sum())), "every site's local training, all strategies and rounds");
        foreach (var (site, times) in _siteTrainSeconds.OrderBy(p => p.Key, StringComparer.Ordinal))
        {
            table.AddRow("  " + Markup.Escape(site), F(Median(times)),
                string.Create(CultureInfo.InvariantCulture, $"per round: median of {times.Count} ({times.Min():F2}–{times.Max():F2})"));
        }

        table.AddRow("evaluation", F(_evaluateSeconds), "every site on its held-out patients, every round");
        table.AddRow("rounds, other", F(Math.Max(0, RoundsSeconds - _siteTrainSeconds.Values.Sum(t => t.Sum()) - _evaluateSeconds)), "model set-up, round-0 evaluation, aggregation, checkpoints");
        table.AddRow("report", F(ReportSeconds), "tables, comparison.csv, report.html");
        table.AddRow("total", F(Stopwatch.GetElapsedTime(_started).TotalSeconds), "");
        if (peakRssMegabytes > 0)
        {
            table.Caption(string.Create(CultureInfo.InvariantCulture, $"peak resident memory (VmHWM): {peakRssMegabytes:F0} MB"));
        }

        return table;
    }

    private static double Median(List<double> values)
    {
        var sorted = values.Order().ToList();
        return Flip.Benchmarks.BenchmarkRecord.MedianOf(sorted);
    }

    private static string F(double seconds) => seconds.ToString("F1", CultureInfo.InvariantCulture);
}
