using System.Globalization;
using System.Text.Json;

namespace Flip.Experiments;

/// <summary>
/// A grid of experiments from a JSON file: strategies × seeds × learning rates × local epochs × μ,
/// each cell its own run. What a student reproducing a paper's table writes once.
/// </summary>
/// <example>
/// <code>
/// { "name": "fedprox-mu", "strategies": ["fedavg", "fedprox"], "seeds": [1, 2, 3], "rounds": 10,
///   "scale": 0.08, "learning-rates": [0.002], "local-epochs": [1, 2], "proximal-mu": [0.01, 0.1] }
/// </code>
/// </example>
public sealed record ExperimentGrid
{
    private static readonly string[] Known = ["name", "strategies", "seeds", "rounds", "scale", "learning-rates", "local-epochs", "proximal-mu", "device"];

    /// <summary>Name of the grid, used for the output folder.</summary>
    public string Name { get; init; } = "grid";

    /// <summary>Strategy names (<see cref="StrategyCatalog.Names"/>).</summary>
    public IReadOnlyList<string> Strategies { get; init; } = StrategyCatalog.Default;

    /// <summary>Seeds; each seed rebuilds the cohort, the split and the model.</summary>
    public IReadOnlyList<int> Seeds { get; init; } = [7];

    /// <summary>Rounds of every cell.</summary>
    public int Rounds { get; init; } = 10;

    /// <summary>Cohort scale.</summary>
    public double Scale { get; init; } = 0.08;

    /// <summary>Local learning rates.</summary>
    public IReadOnlyList<double> LearningRates { get; init; } = [0.002];

    /// <summary>Local epochs per round.</summary>
    public IReadOnlyList<int> LocalEpochs { get; init; } = [1];

    /// <summary>FedProx μ values (used by fedprox cells only).</summary>
    public IReadOnlyList<double> ProximalMu { get; init; } = [0.01];

    /// <summary>Device of every cell.</summary>
    public string Device { get; init; } = "auto";

    /// <summary>The cells, in a fixed order (seed outermost, so one cohort serves several cells).</summary>
    /// <returns>One entry per run.</returns>
    public IReadOnlyList<ExperimentCell> Cells()
    {
        var cells = new List<ExperimentCell>();
        foreach (int seed in Seeds)
        {
            foreach (string strategy in Strategies)
            {
                foreach (double lr in LearningRates)
                {
                    foreach (int epochs in LocalEpochs)
                    {
                        IEnumerable<double> mus = strategy == "fedprox" ? ProximalMu : [0.0];
                        foreach (double mu in mus)
                        {
                            string name = string.Create(CultureInfo.InvariantCulture, $"{strategy}-seed{seed}-lr{lr:G4}-e{epochs}") +
                                (strategy == "fedprox" ? string.Create(CultureInfo.InvariantCulture, $"-mu{mu:G4}") : string.Empty);
                            cells.Add(new ExperimentCell(name, strategy, seed, new ExperimentOptions
                            {
                                Rounds = Rounds,
                                Seed = seed,
                                LearningRate = lr,
                                LocalEpochs = epochs,
                                ProximalMu = mu,
                                Device = Device,
                            }));
                        }
                    }
                }
            }
        }

        return cells;
    }

    /// <summary>Reads and validates a grid file; every problem is reported at once with its JSON path.</summary>
    /// <param name="path">The JSON file.</param>
    /// <returns>The grid.</returns>
    /// <exception cref="FlipException">The file is missing, not JSON, or has problems (all listed).</exception>
    public static ExperimentGrid Load(string path)
    {
        if (!File.Exists(path))
        {
            throw new FlipException($"experiment file '{path}' does not exist.", ExitCodes.BadInput);
        }

        string file = Path.GetFileName(path);
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(File.ReadAllText(path), new JsonDocumentOptions { CommentHandling = JsonCommentHandling.Skip, AllowTrailingCommas = true });
        }
        catch (JsonException e)
        {
            throw new FlipException($"{file}:{(e.LineNumber ?? 0) + 1}: not valid JSON ({e.Message}); expected an object such as {{\"strategies\": [\"fedavg\"], \"seeds\": [1, 2]}}.", ExitCodes.BadInput, inner: e);
        }

        using (document)
        {
            var problems = new List<string>();
            JsonElement root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object)
            {
                throw new FlipException($"{file} $: found {root.ValueKind}; expected an object.", ExitCodes.BadInput);
            }

            foreach (JsonProperty property in root.EnumerateObject().Where(p => !Known.Contains(p.Name)))
            {
                string? close = Suggestions.Closest(property.Name, Known);
                problems.Add($"{file} $.{property.Name}: unknown property" + (close is not null ? $"; did you mean \"{close}\"?" : $"; expected one of {string.Join(", ", Known)}."));
            }

            var grid = new ExperimentGrid();
            grid = grid with
            {
                Name = Read(root, "name", file, problems, e => e.GetString()!, JsonValueKind.String) ?? grid.Name,
                Strategies = ReadArray(root, "strategies", file, problems, e => e.GetString()!, JsonValueKind.String) ?? grid.Strategies,
                Seeds = ReadArray(root, "seeds", file, problems, e => e.GetInt32(), JsonValueKind.Number) ?? grid.Seeds,
                Rounds = Read(root, "rounds", file, problems, e => (int?)e.GetInt32(), JsonValueKind.Number) ?? grid.Rounds,
                Scale = Read(root, "scale", file, problems, e => (double?)e.GetDouble(), JsonValueKind.Number) ?? grid.Scale,
                LearningRates = ReadArray(root, "learning-rates", file, problems, e => e.GetDouble(), JsonValueKind.Number) ?? grid.LearningRates,
                LocalEpochs = ReadArray(root, "local-epochs", file, problems, e => e.GetInt32(), JsonValueKind.Number) ?? grid.LocalEpochs,
                ProximalMu = ReadArray(root, "proximal-mu", file, problems, e => e.GetDouble(), JsonValueKind.Number) ?? grid.ProximalMu,
                Device = Read(root, "device", file, problems, e => e.GetString()!, JsonValueKind.String) ?? grid.Device,
            };
            for (int i = 0; i < grid.Strategies.Count; i++)
            {
                if (!StrategyCatalog.Names.Contains(grid.Strategies[i]))
                {
                    problems.Add($"{file} $.strategies[{i}]: unknown strategy \"{grid.Strategies[i]}\"; expected one of {string.Join(", ", StrategyCatalog.Names)}.");
                }
            }

            if (grid.Rounds is < 1 or > 1000)
            {
                problems.Add($"{file} $.rounds: {grid.Rounds}; expected 1 to 1000.");
            }

            if (grid.Scale is <= 0 or > 1)
            {
                problems.Add($"{file} $.scale: {grid.Scale.ToString(CultureInfo.InvariantCulture)}; expected a fraction in (0, 1].");
            }

            if (problems.Count > 0)
            {
                var lines = JsonLines(File.ReadAllBytes(path));
                throw new FlipException(string.Join(Environment.NewLine, problems.Select(p => WithLine(p, file, lines))), ExitCodes.BadInput);
            }

            return grid;
        }
    }

    // "grid.json $.rounds: …" becomes "grid.json:3 $.rounds: …" with the line where that value (or its nearest parent) starts.
    private static string WithLine(string problem, string file, IReadOnlyDictionary<string, int> lines)
    {
        string prefix = file + " $";
        if (!problem.StartsWith(prefix, StringComparison.Ordinal))
        {
            return problem;
        }

        string path = problem[(file.Length + 1)..problem.IndexOf(':', file.Length)];
        for (string p = path; p.Length > 0; p = p[..Math.Max(0, Math.Max(p.LastIndexOf('.'), p.LastIndexOf('[')))])
        {
            if (lines.TryGetValue(p, out int line))
            {
                return $"{file}:{line} {problem[(file.Length + 1)..]}";
            }
        }

        return problem;
    }

    // The 1-based line of every property and array item, keyed by JSON path ($, $.name, $.seeds[1]).
    private static IReadOnlyDictionary<string, int> JsonLines(byte[] json)
    {
        try
        {
            return LocatedJson.Parse(json).LinesByPath();
        }
        catch (JsonException)
        {
            // Already parsed once; a failure here only costs the line numbers.
            return new Dictionary<string, int>();
        }
    }

    private static T? Read<T>(JsonElement root, string name, string file, List<string> problems, Func<JsonElement, T> read, JsonValueKind kind)
    {
        if (!root.TryGetProperty(name, out JsonElement value))
        {
            return default;
        }

        if (value.ValueKind != kind)
        {
            problems.Add($"{file} $.{name}: found {value.ValueKind}; expected a {kind.ToString().ToLowerInvariant()}.");
            return default;
        }

        try
        {
            return read(value);
        }
        catch (FormatException)
        {
            problems.Add($"{file} $.{name}: {value.GetRawText()} is out of range.");
            return default;
        }
    }

    private static List<T>? ReadArray<T>(JsonElement root, string name, string file, List<string> problems, Func<JsonElement, T> read, JsonValueKind kind)
    {
        if (!root.TryGetProperty(name, out JsonElement value))
        {
            return null;
        }

        if (value.ValueKind != JsonValueKind.Array || value.GetArrayLength() == 0)
        {
            problems.Add($"{file} $.{name}: found {value.ValueKind}{(value.ValueKind == JsonValueKind.Array ? " with no items" : string.Empty)}; expected a non-empty array.");
            return null;
        }

        var items = new List<T>();
        int index = 0;
        foreach (JsonElement item in value.EnumerateArray())
        {
            if (item.ValueKind != kind)
            {
                problems.Add($"{file} $.{name}[{index}]: found {item.ValueKind}; expected a {kind.ToString().ToLowerInvariant()}.");
            }
            else
            {
                try
                {
                    items.Add(read(item));
                }
                catch (FormatException)
                {
                    problems.Add($"{file} $.{name}[{index}]: {item.GetRawText()} is out of range.");
                }
            }

            index++;
        }

        return items;
    }
}
