using System.Text.Json;

namespace Flip.Cli.Commands;

/// <summary>
/// The settings a <c>simulate</c> run was started with, kept in its folder so <c>--resume</c> repeats them; once it ends, also where its
/// time went (<see cref="SimulatePhases"/>) and its peak resident memory.
/// </summary>
internal sealed record SimulateSettings(IReadOnlyList<string> Strategies, int Rounds, double Scale, int Seed, string Device, int LocalEpochs, string Partition = "natural", string? Manifest = null, string? Attack = null,
    [property: System.Text.Json.Serialization.JsonPropertyName("secagg-neighbours")] int SecAggNeighbours = 0,
    [property: System.Text.Json.Serialization.JsonPropertyName("secagg-threshold")] double SecAggThreshold = 0.5,
    [property: System.Text.Json.Serialization.JsonPropertyName("min-sites")] int MinSites = 2,
    [property: System.Text.Json.Serialization.JsonPropertyName("dp-clip")] double DpClip = 1.0,
    [property: System.Text.Json.Serialization.JsonPropertyName("dp-noise")] double DpNoise = 1.0,
    [property: System.Text.Json.Serialization.JsonPropertyName("dp-placement")] string DpPlacement = "central",
    [property: System.Text.Json.Serialization.JsonPropertyName("phase-seconds")] IReadOnlyDictionary<string, double>? PhaseSeconds = null,
    [property: System.Text.Json.Serialization.JsonPropertyName("peak-rss-megabytes")] double? PeakRssMegabytes = null)
{
    public const string FileName = "simulate.json";

    private static readonly JsonSerializerOptions Json = new() { PropertyNamingPolicy = JsonNamingPolicy.KebabCaseLower, WriteIndented = true };

    public void Write(string folder)
    {
        Flip.Federated.Runs.AtomicFile.WriteText(Path.Combine(folder, FileName), JsonSerializer.Serialize(this, Json));
    }

    public static SimulateSettings Read(string folder)
    {
        string path = Path.Combine(folder, FileName);
        if (!File.Exists(path))
        {
            throw new FlipException($"'{folder}' has no {FileName}; expected a folder written by 'flip-research simulate'.", ExitCodes.BadInput,
                "pass the --out folder of the run to continue.");
        }

        try
        {
            return JsonSerializer.Deserialize<SimulateSettings>(File.ReadAllText(path), Json)
                ?? throw new FlipException($"{path}: empty; expected the run's settings.", ExitCodes.BadInput);
        }
        catch (JsonException e)
        {
            throw new FlipException($"{path}: {e.Message}", ExitCodes.BadInput, inner: e);
        }
    }
}
