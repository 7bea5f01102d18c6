using System.Globalization;
using System.Text.Json;

namespace Flip.Reporting;

/// <summary>Everything a report shows about one run, read from its run folder.</summary>
/// <remarks>
/// A run folder holds <c>run.json</c> (the configuration, an opaque JSON object) and <c>metrics.csv</c>
/// (long format: <c>round,site,split,metric,value</c>), both required; and optionally <c>sites.json</c>
/// (the cohort, see <see cref="SiteInfo.LoadAll"/>) and <c>predictions.csv</c> (per-patient scores of the
/// last round, header <c>site,patient,label,score</c>, for ROC curves and bootstrap intervals).
/// </remarks>
/// <param name="Name">The run's name in tables and legends, e.g. <c>FedAvg</c>.</param>
/// <param name="Configuration">The configuration from <c>run.json</c>.</param>
/// <param name="Metrics">The long-format metrics.</param>
/// <param name="Sites">The cohort's sites; empty when the folder has no <c>sites.json</c>.</param>
/// <param name="Scores">Per-patient scores; empty when the folder has no <c>predictions.csv</c>.</param>
public sealed record RunRecord(
    string Name,
    RunConfiguration Configuration,
    MetricTable Metrics,
    IReadOnlyList<SiteInfo> Sites,
    IReadOnlyList<PatientScore> Scores)
{
    /// <summary>The configuration file's name in a run folder.</summary>
    public const string ConfigurationFile = "run.json";

    /// <summary>The metrics file's name in a run folder.</summary>
    public const string MetricsFile = Flip.Federated.Runs.MetricsFile.FileName;

    /// <summary>The optional cohort file's name in a run folder.</summary>
    public const string SitesFile = "sites.json";

    /// <summary>The optional per-patient predictions file's name in a run folder.</summary>
    public const string PredictionsFile = "predictions.csv";

    /// <summary>The header line of <see cref="PredictionsFile"/>.</summary>
    public const string PredictionsHeader = "site,patient,label,score";

    /// <summary>Whether every round aggregated something and the test loss fell, judged from the metrics as the simulation judges it.</summary>
    /// <returns>The run's health.</returns>
    public Flip.Federated.Simulations.RunHealth Health()
        => Flip.Federated.Simulations.RunHealth.Of(Metrics.Rows.Select(r => new Flip.Federated.Simulations.MetricRecord(r.Round, r.Site, r.Split, r.Metric, r.Value)));

    /// <summary>Reads a run folder.</summary>
    /// <remarks>The name is <c>run.json</c>'s top-level <c>name</c>, else its <c>strategy</c> (a string, or an object's
    /// <c>name</c>), else the folder's name.</remarks>
    /// <param name="folder">The run folder.</param>
    /// <returns>The run.</returns>
    /// <exception cref="ReportInputException">A required file is missing, or a file is malformed; the message names file and line.</exception>
    public static RunRecord Load(string folder)
    {
        ArgumentNullException.ThrowIfNull(folder);
        if (!Directory.Exists(folder)) throw ReportInputException.Missing(folder, "a run folder with run.json and metrics.csv");
        string configurationPath = Path.Combine(folder, ConfigurationFile);
        var configuration = RunConfiguration.Load(configurationPath);
        var metrics = MetricTable.Load(Path.Combine(folder, MetricsFile));
        string sitesPath = Path.Combine(folder, SitesFile);
        var sites = File.Exists(sitesPath) ? SiteInfo.LoadAll(sitesPath) : [];
        string predictionsPath = Path.Combine(folder, PredictionsFile);
        var scores = File.Exists(predictionsPath) ? LoadScores(predictionsPath) : [];
        return new RunRecord(NameOf(configurationPath, folder), configuration, metrics, sites, scores);
    }

    private static string NameOf(string configurationPath, string folder)
    {
        using var document = JsonDocument.Parse(File.ReadAllText(configurationPath), new JsonDocumentOptions { AllowTrailingCommas = true, CommentHandling = JsonCommentHandling.Skip });
        var root = document.RootElement;
        if (root.TryGetProperty("name", out var name) && name.ValueKind == JsonValueKind.String && !string.IsNullOrWhiteSpace(name.GetString()))
            return name.GetString()!;
        if (root.TryGetProperty("strategy", out var strategy))
        {
            if (strategy.ValueKind == JsonValueKind.String && !string.IsNullOrWhiteSpace(strategy.GetString())) return strategy.GetString()!;
            if (strategy.ValueKind == JsonValueKind.Object && strategy.TryGetProperty("name", out var strategyName) && strategyName.ValueKind == JsonValueKind.String)
                return strategyName.GetString()!;
        }
        return Path.GetFileName(Path.TrimEndingDirectorySeparator(Path.GetFullPath(folder)));
    }

    /// <summary>Reads per-patient predictions: header <see cref="PredictionsHeader"/>, invariant culture.</summary>
    /// <param name="path">The CSV file.</param>
    /// <returns>The scores, in file order.</returns>
    /// <exception cref="ReportInputException">The header, a label or a score is wrong; every problem (up to 20) is named by line and column.</exception>
    public static IReadOnlyList<PatientScore> LoadScores(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        if (!File.Exists(path)) throw ReportInputException.Missing(path, "per-patient predictions with header " + PredictionsHeader);
        var problems = new List<string>();
        var scores = new List<PatientScore>();
        using var reader = new StreamReader(path);
        foreach (var (lineNumber, f) in CsvFile.Rows(reader, path, PredictionsHeader, problems))
        {
            bool ok = true;
            if (f[0].Length == 0) { ok = false; problems.Add(ReportInputException.CsvProblem(path, lineNumber, 1, "site", "an empty field", "a site id")); }
            if (f[1].Length == 0) { ok = false; problems.Add(ReportInputException.CsvProblem(path, lineNumber, 2, "patient", "an empty field", "an opaque patient key")); }
            if (f[2] is not ("0" or "1")) { ok = false; problems.Add(ReportInputException.CsvProblem(path, lineNumber, 3, "label", $"'{f[2]}'", "0 (no csPCa) or 1 (csPCa)")); }
            if (!double.TryParse(f[3], NumberStyles.Float, CultureInfo.InvariantCulture, out double score) || double.IsNaN(score))
            {
                ok = false;
                problems.Add(ReportInputException.CsvProblem(path, lineNumber, 4, "score", $"'{f[3]}'", "an invariant-culture number such as 0.42"));
            }
            if (ok) scores.Add(new PatientScore(f[0], f[1], f[2] == "1" ? 1 : 0, score));
        }
        if (problems.Count > 0) throw ReportInputException.BadCsv(path, problems);
        return scores;
    }
}
