using System.Globalization;
using Flip.Federated.Runs;
using Flip.Learning.Models;

namespace Flip.Cli.Commands;

/// <summary>What a <c>serve</c> run was started with, kept in its <c>run.json</c> so <c>serve --resume</c> continues it identically.</summary>
internal sealed record ServeSettings(string Strategy, int Rounds, int Seed, int BaseChannels, int MinNodes, int MinSites, int RoundTimeoutSeconds,
    int SecAggNeighbours = 0, double SecAggThreshold = 0.5, string RunKind = "serve")
{
    private const string Kind = "serve";

    /// <summary>The model the nodes train: W1's U-Net on the three MR channels, at these base channels.</summary>
    public ModelRecipe Model => new() { BaseChannels = BaseChannels };

    public RunInfo ToRunInfo() => new()
    {
        Strategy = Strategy,
        Rounds = Rounds,
        Seed = Seed,
        Sites = [],
        Model = Model.ToSettings(),
        SimulationSettings = new Dictionary<string, string>
        {
            ["kind"] = RunKind,
            ["base-channels"] = BaseChannels.ToString(CultureInfo.InvariantCulture),
            ["min-nodes"] = MinNodes.ToString(CultureInfo.InvariantCulture),
            ["min-sites"] = MinSites.ToString(CultureInfo.InvariantCulture),
            ["round-timeout-seconds"] = RoundTimeoutSeconds.ToString(CultureInfo.InvariantCulture),
            ["secagg-neighbours"] = SecAggNeighbours.ToString(CultureInfo.InvariantCulture),
            ["secagg-threshold"] = SecAggThreshold.ToString("R", CultureInfo.InvariantCulture),
        },
        CreatedUtc = DateTimeOffset.UtcNow,
    };

    public static ServeSettings FromRunInfo(RunStore store)
    {
        var s = store.Info.SimulationSettings;
        string file = Path.Combine(store.Folder, RunStore.RunFileName);
        if (!s.TryGetValue("kind", out string? kind) || kind != Kind)
        {
            throw new FlipException($"{file}: $.simulation-settings.kind is {(kind is null ? "missing" : $"\"{kind}\"")}; expected \"serve\" (a run folder written by 'flip-research serve').",
                ExitCodes.BadCommandLine, "pass the --out folder of an earlier 'flip-research serve' run to --resume.");
        }

        int Get(string key) => s.TryGetValue(key, out string? text) && int.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out int value)
            ? value
            : throw new FlipException($"{file}: $.simulation-settings.{key} is missing or not an integer; expected the value serve recorded.", ExitCodes.BadInput,
                "the run folder is damaged; start a new run.");

        // Runs from before the secure-aggregation settings were recorded used the defaults.
        int neighbours = s.ContainsKey("secagg-neighbours") ? Get("secagg-neighbours") : 0;
        double threshold = !s.TryGetValue("secagg-threshold", out string? fraction) ? 0.5
            : double.TryParse(fraction, NumberStyles.Float, CultureInfo.InvariantCulture, out double value) && value is > 0 and <= 1 ? value
            : throw new FlipException($"{file}: $.simulation-settings.secagg-threshold is \"{fraction}\"; expected a fraction in (0, 1].", ExitCodes.BadInput,
                "the run folder is damaged; start a new run.");
        return new ServeSettings(store.Info.Strategy, store.Info.Rounds, store.Info.Seed, Get("base-channels"), Get("min-nodes"), Get("min-sites"), Get("round-timeout-seconds"),
            neighbours, threshold);
    }
}
