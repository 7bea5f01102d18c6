using System.Globalization;

namespace Flip.Learning.Models;

/// <summary>
/// What model a run trains — architecture, input channels, classes, base channels, normalisation,
/// levels — recorded in <c>run.json</c> (<see cref="ToSettings"/>) and built in this one place by
/// <c>simulate</c>, <c>serve</c>, <c>client</c> and the notebooks (<see cref="Build"/>).
/// </summary>
/// <remarks>The defaults are BENCHMARKS.md W1: a 2D U-Net, 3 MR channels (T2W, ADC, high-b DWI), 2 classes, 16 base channels, BatchNorm, 4 levels.</remarks>
public sealed record ModelRecipe
{
    /// <summary>The 2D U-Net's architecture name (the only one federated runs build today).</summary>
    public const string UNet2DArchitecture = "unet2d";

    private static readonly string[] Keys = ["architecture", "input-channels", "classes", "base-channels", "normalization", "levels"];

    /// <summary>The architecture.</summary>
    /// <value><see cref="UNet2DArchitecture"/>.</value>
    public string Architecture { get; init; } = UNet2DArchitecture;

    /// <summary>Input channels (the MR sequences a site's slices carry).</summary>
    /// <value>3: T2W, ADC, high-b DWI.</value>
    public int InputChannels { get; init; } = 3;

    /// <summary>Output classes.</summary>
    /// <value>2: background, foreground.</value>
    public int Classes { get; init; } = 2;

    /// <summary>Channels at the first level, doubled per level.</summary>
    /// <value>16 (W1).</value>
    public int BaseChannels { get; init; } = 16;

    /// <summary>The normalisation after each convolution (FedBN keeps these layers local).</summary>
    /// <value><see cref="Normalization.Batch"/>.</value>
    public Normalization Normalization { get; init; } = Normalization.Batch;

    /// <summary>Resolution levels including the bottleneck.</summary>
    /// <value>4.</value>
    public int Levels { get; init; } = 4;

    /// <summary>Builds the model (on the CPU; a <c>ModelWorkspace</c> moves it to its device).</summary>
    /// <returns>A new, randomly initialised model (seed it with <c>torch.manual_seed</c> first for a reproducible start).</returns>
    /// <exception cref="FlipException">The architecture is not one this library builds.</exception>
    public UNet Build() => Architecture switch
    {
        UNet2DArchitecture => new UNet2D(InputChannels, Classes, BaseChannels, Normalization, Levels),
        _ => throw new FlipException($"model recipe: architecture \"{Architecture}\" is not one this version builds; expected \"{UNet2DArchitecture}\".", ExitCodes.BadInput),
    };

    /// <summary>The recipe as <c>run.json</c>'s <c>model</c> object: invariant-culture text by kebab-case key.</summary>
    /// <returns>architecture, input-channels, classes, base-channels, normalization, levels.</returns>
    public IReadOnlyDictionary<string, string> ToSettings() => new Dictionary<string, string>(StringComparer.Ordinal)
    {
        ["architecture"] = Architecture,
        ["input-channels"] = InputChannels.ToString(CultureInfo.InvariantCulture),
        ["classes"] = Classes.ToString(CultureInfo.InvariantCulture),
        ["base-channels"] = BaseChannels.ToString(CultureInfo.InvariantCulture),
        ["normalization"] = Normalization.ToString().ToLowerInvariant(),
        ["levels"] = Levels.ToString(CultureInfo.InvariantCulture),
    };

    /// <summary>Reads a recipe that <see cref="ToSettings"/> wrote.</summary>
    /// <param name="settings">The <c>model</c> object of <c>run.json</c>.</param>
    /// <param name="file">The file, for errors.</param>
    /// <returns>The recipe.</returns>
    /// <exception cref="FlipException">A key is missing or its value is not valid; the message names the file and the JSON path.</exception>
    public static ModelRecipe FromSettings(IReadOnlyDictionary<string, string> settings, string file)
    {
        ArgumentNullException.ThrowIfNull(settings);
        foreach (string key in Keys)
        {
            if (!settings.ContainsKey(key))
            {
                throw Bad(file, key, "missing", "the value the run recorded");
            }
        }

        int Positive(string key) => int.TryParse(settings[key], NumberStyles.None, CultureInfo.InvariantCulture, out int value) && value > 0
            ? value
            : throw Bad(file, key, $"\"{settings[key]}\"", "a whole number ≥ 1");
        var recipe = new ModelRecipe
        {
            Architecture = settings["architecture"] == UNet2DArchitecture ? UNet2DArchitecture : throw Bad(file, "architecture", $"\"{settings["architecture"]}\"", $"\"{UNet2DArchitecture}\""),
            InputChannels = Positive("input-channels"),
            Classes = Positive("classes"),
            BaseChannels = Positive("base-channels"),
            Normalization = Enum.TryParse(settings["normalization"], ignoreCase: true, out Normalization n) && Enum.IsDefined(n) && !int.TryParse(settings["normalization"], out _)
                ? n
                : throw Bad(file, "normalization", $"\"{settings["normalization"]}\"", "batch, instance or group"),
            Levels = Positive("levels"),
        };
        return recipe;
    }

    /// <summary>One line for logs and reports, e.g. <c>unet2d (3 → 2 classes, base 16, batch norm, 4 levels)</c>.</summary>
    /// <returns>The description.</returns>
    public override string ToString() => string.Create(CultureInfo.InvariantCulture,
        $"{Architecture} ({InputChannels} → {Classes} classes, base {BaseChannels}, {Normalization.ToString().ToLowerInvariant()} norm, {Levels} levels)");

    private static FlipException Bad(string file, string key, string found, string expected) =>
        new($"{file}: $.model.{key} is {found}; expected {expected}.", ExitCodes.BadInput, "the run folder is damaged or from another version; start a new run.");
}
