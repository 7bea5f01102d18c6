using System.Reflection;
using Flip.Federated;

namespace Flip.Flower.Apps;

/// <summary>
/// What a node honours in the Flower app it joins: which of the app's config keys set which trainer setting, the
/// exact metric keys of its train and evaluate replies and the FLIP metric behind each, what <c>num-examples</c>
/// counts, the model the app trains and where the node's data comes from.
/// </summary>
/// <remarks>
/// A Flower app's ServerApp and its Python ClientApp agree on config and metric keys among themselves; Flower's
/// FedAvg then requires every node's MetricRecord to carry the same keys and weights replies by their example
/// count. A contract is a JSON file (schema: <c>app-contract.schema.json</c> beside this type) or a built-in preset:
/// <c>flip</c> (FLIP's own server: FLIP's keys and metrics, the default), <c>flower-unetapp</c> (the shared W1
/// U-Net app) and <c>slim-unet</c> (tests/flower-interop/slimunet: other key names, a weighted-by key of its own).
/// The config mapping renames the app's keys to <see cref="ConfigKeys"/>, then the one wire mapping of
/// <see cref="Flip.Federated.ConfigRecord"/> reads them.
/// </remarks>
public sealed record AppContract
{
    private const string PresetPrefix = "Flip.Flower.Apps.Presets.";

    /// <summary>The contract's name, as replies and errors cite it.</summary>
    public required string Name { get; init; }

    /// <summary>The model the app trains: a recipe the node knows how to build (<c>unet2d</c>).</summary>
    /// <value><c>unet2d</c>.</value>
    public string ModelRecipe { get; init; } = "unet2d";

    /// <summary>The model's channels at the first level, when the app fixes them.</summary>
    /// <value><see langword="null"/>: the node's own setting (<c>client --base-channels</c>).</value>
    public int? ModelBaseChannels { get; init; }

    /// <summary>Where the node's data comes from.</summary>
    /// <value><see cref="AppDataSource.Any"/>.</value>
    public AppDataSource Data { get; init; } = AppDataSource.Any;

    /// <summary>The metric key that carries the example count (FedAvg's <c>weighted_by_key</c>).</summary>
    /// <value><c>num-examples</c>.</value>
    public string ExampleCountKey { get; init; } = MetricNames.ExampleCount;

    /// <summary>How the node reads train messages and replies to them.</summary>
    public AppContractStep Train { get; init; } = new();

    /// <summary>How the node reads evaluate messages and replies to them.</summary>
    public AppContractStep Evaluate { get; init; } = new();

    /// <summary>FLIP's own contract: FLIP's config keys and every metric under FLIP's names, the site's own example counts.</summary>
    public static AppContract Flip { get; } = Preset("flip");

    /// <summary>The names of the built-in contracts.</summary>
    public static IReadOnlyList<string> PresetNames { get; } =
    [
        .. typeof(AppContract).Assembly.GetManifestResourceNames()
            .Where(n => n.StartsWith(PresetPrefix, StringComparison.Ordinal) && n.EndsWith(".json", StringComparison.Ordinal))
            .Select(n => n[PresetPrefix.Length..^".json".Length])
            .Order(StringComparer.Ordinal),
    ];

    /// <summary>The model as a reader sees it, e.g. <c>unet2d (base channels 16)</c>.</summary>
    public string ModelText => ModelBaseChannels is int channels
        ? string.Create(System.Globalization.CultureInfo.InvariantCulture, $"{ModelRecipe} (base channels {channels})")
        : ModelRecipe;

    /// <summary>A built-in contract.</summary>
    /// <param name="name">One of <see cref="PresetNames"/>.</param>
    /// <returns>The contract.</returns>
    /// <exception cref="AppContractException">No preset has that name.</exception>
    public static AppContract Preset(string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        using Stream? stream = typeof(AppContract).Assembly.GetManifestResourceStream(PresetPrefix + name + ".json");
        if (stream is null)
        {
            throw AppContractException.Unknown(name, PresetNames);
        }

        using var reader = new StreamReader(stream);
        return AppContractReader.Parse(reader.ReadToEnd(), $"app contract preset '{name}'");
    }

    /// <summary>Loads <c>client --app</c>: a contract file when one exists at <paramref name="fileOrPreset"/>, else the preset of that name.</summary>
    /// <param name="fileOrPreset">A path to a JSON contract, or a preset name.</param>
    /// <returns>The contract.</returns>
    /// <exception cref="AppContractException">The file is invalid (the message names the JSON path), or neither a file nor a preset has that name.</exception>
    public static AppContract Load(string fileOrPreset)
    {
        ArgumentNullException.ThrowIfNull(fileOrPreset);
        if (File.Exists(fileOrPreset))
        {
            return AppContractReader.Parse(File.ReadAllText(fileOrPreset), fileOrPreset);
        }

        if (!PresetNames.Contains(fileOrPreset, StringComparer.Ordinal))
        {
            throw AppContractException.Unknown(fileOrPreset, PresetNames);
        }

        return Preset(fileOrPreset);
    }

    /// <summary>Reads a contract from its JSON text.</summary>
    /// <param name="json">The contract.</param>
    /// <param name="source">Where it came from, for error messages (a file name).</param>
    /// <returns>The contract.</returns>
    /// <exception cref="AppContractException">The text is not a valid contract; the message names the JSON path.</exception>
    public static AppContract Parse(string json, string source) => AppContractReader.Parse(json, source);

    /// <summary>The reply keys of a step, as the app's nodes send them: the example count key, then the metric keys (or <c>*</c> for FLIP's metrics).</summary>
    /// <param name="step">The contract's train or evaluate step.</param>
    /// <returns>Keys, for a person to read.</returns>
    public string ReplyKeysText(AppContractStep step)
    {
        ArgumentNullException.ThrowIfNull(step);
        return "{" + string.Join(", ", new[] { ExampleCountKey }.Concat(step.Metrics?.Select(m => m.Key) ?? ["every FLIP metric"])) + "}";
    }
}
