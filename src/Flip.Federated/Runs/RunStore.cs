using System.Globalization;
using System.Text;
using System.Text.Json;
using Flip.Federated.Simulations;

namespace Flip.Federated.Runs;

/// <summary>
/// A run folder: <c>run.json</c> (settings, seeds, versions, input hashes), <c>metrics.csv</c> (long
/// format: round, site, split, metric, value; invariant culture), <c>checkpoints/round-NNNN.params</c>
/// (the global model after each round, <see cref="ParameterSetFile"/>), the strategy's server state
/// beside it, and <c>progress.json</c> naming the last finished round.
/// </summary>
/// <remarks>
/// Every write is atomic (write <c>.tmp</c>, flush, rename), and a round is committed in the order
/// checkpoint → strategy state → metrics → progress, so after a crash <c>progress.json</c> never names
/// a round whose files are incomplete; rows of later rounds in <c>metrics.csv</c> are ignored on resume.
/// </remarks>
public sealed class RunStore
{
    /// <summary>The settings file.</summary>
    public const string RunFileName = "run.json";

    /// <summary>The metrics file (<see cref="MetricsFile"/>).</summary>
    public const string MetricsFileName = MetricsFile.FileName;

    /// <summary>The file naming the last finished round.</summary>
    public const string ProgressFileName = "progress.json";

    /// <summary>The checkpoint folder.</summary>
    public const string CheckpointFolderName = "checkpoints";

    /// <summary>The file of site failures.</summary>
    public const string FailuresFileName = "failures.csv";

    /// <summary>The header of <c>failures.csv</c>.</summary>
    public const string FailuresHeader = "round,site,step,category,reason";

    private static readonly JsonSerializerOptions JsonOptions = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.KebabCaseLower,
        WriteIndented = true,
    };

    private RunStore(string folder, RunInfo info, int lastFinishedRound)
    {
        Folder = folder;
        Info = info;
        LastFinishedRound = lastFinishedRound;
    }

    /// <summary>The run folder.</summary>
    public string Folder { get; }

    /// <summary>The contents of <c>run.json</c>.</summary>
    public RunInfo Info { get; }

    /// <summary>The last round whose checkpoint and metrics are complete; 0 when only the initial model is stored.</summary>
    public int LastFinishedRound { get; private set; }

    /// <summary>Creates a run folder and writes <c>run.json</c>.</summary>
    /// <param name="folder">The folder; created if missing; must not already hold a run.</param>
    /// <param name="info">What the run is.</param>
    /// <returns>The store.</returns>
    /// <exception cref="RunStoreException">The folder already holds a run.</exception>
    public static RunStore Create(string folder, RunInfo info)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(folder);
        ArgumentNullException.ThrowIfNull(info);
        folder = Path.GetFullPath(folder);
        if (File.Exists(Path.Combine(folder, RunFileName)))
        {
            throw RunStoreException.AlreadyExists(folder);
        }

        Directory.CreateDirectory(Path.Combine(folder, CheckpointFolderName));
        AtomicFile.WriteText(Path.Combine(folder, RunFileName), JsonSerializer.Serialize(info, JsonOptions));
        return new RunStore(folder, info, -1);
    }

    /// <summary>Opens an existing run folder, e.g. to resume it; temporary files a crash left mid-write are removed.</summary>
    /// <param name="folder">The folder.</param>
    /// <returns>The store.</returns>
    /// <exception cref="RunStoreException">The folder holds no run, or a file is malformed.</exception>
    public static RunStore Open(string folder)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(folder);
        folder = Path.GetFullPath(folder);
        string runFile = Path.Combine(folder, RunFileName);
        if (!File.Exists(runFile))
        {
            throw RunStoreException.NotARun(folder);
        }

        RunInfo info;
        try
        {
            info = JsonSerializer.Deserialize<RunInfo>(File.ReadAllText(runFile), JsonOptions)
                ?? throw RunStoreException.Malformed(runFile, "the file is the JSON value null; expected an object.");
        }
        catch (JsonException e)
        {
            throw RunStoreException.Malformed(runFile, $"line {e.LineNumber + 1}, {e.Path}: {e.Message}", e);
        }

        // A crash can leave a temporary file of an atomic write behind; the real file is intact or absent.
        foreach (string leftover in Directory.EnumerateFiles(folder, "*.tmp", SearchOption.AllDirectories))
        {
            File.Delete(leftover);
        }

        int last = -1;
        string progressFile = Path.Combine(folder, ProgressFileName);
        if (File.Exists(progressFile))
        {
            try
            {
                using var document = JsonDocument.Parse(File.ReadAllText(progressFile));
                last = document.RootElement.GetProperty("last-finished-round").GetInt32();
            }
            catch (Exception e) when (e is JsonException or KeyNotFoundException or InvalidOperationException or FormatException)
            {
                throw RunStoreException.Malformed(progressFile, "expected {\"last-finished-round\": N}.", e);
            }
        }

        return new RunStore(folder, info, last);
    }

    /// <summary>The checkpoint file of the global model after a round (round 0 = the initial model).</summary>
    /// <param name="round">The round.</param>
    /// <returns>The path.</returns>
    public string CheckpointPath(int round)
        => Path.Combine(Folder, CheckpointFolderName, string.Create(CultureInfo.InvariantCulture, $"round-{round:D4}.params"));

    /// <summary>The file of the strategy's server state after a round.</summary>
    /// <param name="round">The round.</param>
    /// <returns>The path.</returns>
    public string StrategyStatePath(int round)
        => Path.Combine(Folder, CheckpointFolderName, string.Create(CultureInfo.InvariantCulture, $"round-{round:D4}.strategy.params"));

    /// <summary>The site-local checkpoint of a simulated site's state after a round.</summary>
    /// <param name="round">The round.</param>
    /// <param name="site">The site.</param>
    /// <returns>The path.</returns>
    public string SiteStatePath(int round, SiteId site)
        => Path.Combine(Folder, CheckpointFolderName, string.Create(CultureInfo.InvariantCulture, $"round-{round:D4}.site-{site.Value}.params"));

    /// <summary>Commits a finished round: checkpoint, strategy state, site states, all metrics so far, then progress.</summary>
    /// <param name="round">The round (0 for the initial model).</param>
    /// <param name="global">The global model after the round.</param>
    /// <param name="strategyState">The strategy's server state, or <see langword="null"/>.</param>
    /// <param name="metrics">Every metric row of the run so far.</param>
    /// <param name="siteStates">
    /// The parameter parts of simulated sites' <see cref="SiteState"/> (FedBN layers, SCAFFOLD's cᵢ), by site.
    /// Only an in-process simulation passes them: there the run folder is on the sites' own machine,
    /// so the state does not leave them. A real node keeps its state on its own disk.
    /// </param>
    /// <param name="failures">Every site failure of the run so far, written to <c>failures.csv</c>.</param>
    public void CommitRound(int round, ParameterSet global, ParameterSet? strategyState, IReadOnlyList<MetricRecord> metrics, IReadOnlyDictionary<SiteId, ParameterSet>? siteStates = null, IReadOnlyList<SiteFailure>? failures = null)
    {
        ArgumentNullException.ThrowIfNull(global);
        ArgumentNullException.ThrowIfNull(metrics);
        ParameterSetFile.Write(CheckpointPath(round), global);
        if (strategyState is not null)
        {
            ParameterSetFile.Write(StrategyStatePath(round), strategyState);
        }

        foreach (var (site, state) in siteStates ?? new Dictionary<SiteId, ParameterSet>())
        {
            ParameterSetFile.Write(SiteStatePath(round, site), state);
        }

        AtomicFile.WriteText(Path.Combine(Folder, MetricsFileName), MetricsFile.Format(metrics));
        AtomicFile.WriteText(Path.Combine(Folder, FailuresFileName), FormatFailures(failures ?? []));
        AtomicFile.WriteText(Path.Combine(Folder, ProgressFileName), string.Create(CultureInfo.InvariantCulture, $"{{\"last-finished-round\": {round}}}\n"));
        LastFinishedRound = round;
    }

    /// <summary>Reads the global model after a round.</summary>
    /// <param name="round">The round.</param>
    /// <returns>The parameters.</returns>
    /// <exception cref="RunStoreException">The checkpoint is missing or malformed.</exception>
    public ParameterSet ReadCheckpoint(int round)
    {
        string path = CheckpointPath(round);
        if (!File.Exists(path))
        {
            throw RunStoreException.Malformed(path, "the checkpoint is missing.");
        }

        return ParameterSetFile.Read(path);
    }

    /// <summary>Reads the strategy's server state after a round, when one was written.</summary>
    /// <param name="round">The round.</param>
    /// <returns>The state, or <see langword="null"/>.</returns>
    public ParameterSet? ReadStrategyState(int round)
    {
        string path = StrategyStatePath(round);
        return File.Exists(path) ? ParameterSetFile.Read(path) : null;
    }

    /// <summary>Reads a simulated site's state checkpoint after a round, when one was written.</summary>
    /// <param name="round">The round.</param>
    /// <param name="site">The site.</param>
    /// <returns>The state's parameter parts, or <see langword="null"/>.</returns>
    public ParameterSet? ReadSiteState(int round, SiteId site)
    {
        string path = SiteStatePath(round, site);
        return File.Exists(path) ? ParameterSetFile.Read(path) : null;
    }

    /// <summary>Reads <c>metrics.csv</c>, keeping rows up to <see cref="LastFinishedRound"/>.</summary>
    /// <returns>The rows, in file order.</returns>
    /// <exception cref="RunStoreException">A line is malformed; the message names the line.</exception>
    public IReadOnlyList<MetricRecord> ReadMetrics()
    {
        string path = Path.Combine(Folder, MetricsFileName);
        if (!File.Exists(path))
        {
            return [];
        }

        using var reader = new StreamReader(path);
        var (rows, problems) = MetricsFile.Parse(reader, path);
        if (problems.Count > 0)
        {
            throw RunStoreException.Unreadable(problems);
        }

        return [.. rows.Where(r => r.Round <= LastFinishedRound)];
    }

    /// <summary>Reads <c>failures.csv</c>, keeping rows up to <see cref="LastFinishedRound"/>.</summary>
    /// <returns>The failures, in file order.</returns>
    /// <exception cref="RunStoreException">A line is malformed; the message names each line and column.</exception>
    public IReadOnlyList<SiteFailure> ReadFailures()
    {
        string path = Path.Combine(Folder, FailuresFileName);
        if (!File.Exists(path))
        {
            return [];
        }

        var failures = new List<SiteFailure>();
        var problems = new List<string>();
        using (var reader = new StreamReader(path))
        {
            foreach (var (lineNumber, fields) in CsvFile.Rows(reader, path, FailuresHeader, problems))
            {
                if (!int.TryParse(fields[0], NumberStyles.Integer, CultureInfo.InvariantCulture, out int round))
                {
                    problems.Add(CsvProblem.Describe(path, lineNumber, 1, "round", $"'{fields[0]}'", "a round number 1, 2, …"));
                }
                else if (!Enum.TryParse<FailureCategory>(fields[3], ignoreCase: true, out var category) || int.TryParse(fields[3], out _))
                {
                    problems.Add(CsvProblem.Describe(path, lineNumber, 4, "category", $"'{fields[3]}'",
                        "one of " + string.Join(", ", Enum.GetNames<FailureCategory>().Select(n => n.ToLowerInvariant()))));
                }
                else if (round <= LastFinishedRound)
                {
                    failures.Add(new SiteFailure(new SiteId(fields[1]), round, fields[2], category, fields[4]));
                }
            }
        }

        if (problems.Count > 0)
        {
            throw RunStoreException.Unreadable(problems);
        }

        return failures;
    }

    /// <summary>Formats failures as <c>failures.csv</c> (a reason with commas or line breaks is quoted, as <see cref="CsvFile"/> writes fields).</summary>
    /// <param name="failures">The failures.</param>
    /// <returns>The file text.</returns>
    public static string FormatFailures(IEnumerable<SiteFailure> failures)
    {
        ArgumentNullException.ThrowIfNull(failures);
        var text = new StringBuilder(FailuresHeader).Append('\n');
        foreach (var f in failures)
        {
            CsvFile.AppendLine(text, f.Round.ToString(CultureInfo.InvariantCulture), f.Site.Value, f.Step, f.Category.ToString().ToLowerInvariant(), f.Reason);
        }

        return text.ToString();
    }
}
