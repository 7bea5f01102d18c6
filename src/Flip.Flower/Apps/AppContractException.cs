using System.Globalization;

namespace Flip.Flower.Apps;

/// <summary>
/// A node cannot honour the Flower app it joined (the model or a setting differs from its contract), or a contract
/// file is invalid. <see cref="Reason"/> is what the node may tell the server: names, shapes and keys, never data.
/// </summary>
public sealed class AppContractException : FlipException
{
    private AppContractException(string message, string reason, int exitCode, string? fix = null, Exception? inner = null)
        : base(message, exitCode, fix, inner)
    {
        Reason = reason;
    }

    /// <summary>What the node's error reply says to the server's operator: model array names, shapes, dtypes and keys only.</summary>
    public string Reason { get; }

    /// <summary>The arrays the app sent do not fit the node's model.</summary>
    /// <param name="contract">The contract's name.</param>
    /// <param name="recipe">The contract's model recipe, e.g. <c>unet2d (base channels 16)</c>.</param>
    /// <param name="sent">How many arrays the app sent.</param>
    /// <param name="expected">How many arrays the node's model has.</param>
    /// <param name="differences">What differed, first ones first (array names, shapes and dtypes).</param>
    /// <returns>The error.</returns>
    public static AppContractException ModelMismatch(string contract, string recipe, int sent, int expected, IReadOnlyList<string> differences)
    {
        string reason = Invariant($"model mismatch: the app sent {sent} array(s), app contract '{contract}' expects {recipe} ({expected} arrays); {string.Join("; ", differences)}");
        return new AppContractException(reason + ".", reason, ExitCodes.BadInput,
            "join with the app contract whose model the app sends ('client --app'), or ask the server's operator which model the app trains.");
    }

    /// <summary>The contract fills a reply metric from a FLIP metric the trainer did not report.</summary>
    /// <param name="contract">The contract's name.</param>
    /// <param name="step">train or evaluate.</param>
    /// <param name="key">The app's metric key.</param>
    /// <param name="metric">The FLIP metric that should fill it.</param>
    /// <returns>The error.</returns>
    public static AppContractException MissingMetric(string contract, string step, string key, string metric)
    {
        string reason = $"app contract '{contract}' fills the {step} metric '{key}' from FLIP's '{metric}', which this node's trainer did not report as a finite number";
        return new AppContractException(reason + ".", reason, ExitCodes.BadInput, "map the key to a metric the trainer reports (see the contract's schema).");
    }

    /// <summary>The contract counts examples by the batch size, but the app sent none.</summary>
    /// <param name="contract">The contract's name.</param>
    /// <param name="step">train or evaluate.</param>
    /// <returns>The error.</returns>
    public static AppContractException NoBatchSize(string contract, string step)
    {
        string reason = $"app contract '{contract}' counts {step} examples by the batch size, but the {step} config holds no key mapped to '{Flip.Federated.ConfigKeys.BatchSize}'";
        return new AppContractException(reason + ".", reason, ExitCodes.BadInput, "map the app's batch key to 'batch-size' in the contract, or count examples by 'site'.");
    }

    /// <summary>A config value the app sent does not fit the setting the contract maps it to.</summary>
    /// <param name="contract">The contract's name.</param>
    /// <param name="step">train or evaluate.</param>
    /// <param name="problem">The config mapping's message (key, value type and what was expected).</param>
    /// <param name="inner">The mapping's exception.</param>
    /// <returns>The error.</returns>
    public static AppContractException BadConfig(string contract, string step, string problem, Exception inner)
    {
        string reason = $"app contract '{contract}': the {step} config does not fit: {problem}";
        return new AppContractException(reason, reason, ExitCodes.BadInput, null, inner);
    }

    /// <summary>A contract file (or preset) is invalid.</summary>
    /// <param name="file">The file, or <c>preset NAME</c>.</param>
    /// <param name="jsonPath">Where in it, e.g. <c>$.train.num-examples</c>.</param>
    /// <param name="found">What was found.</param>
    /// <param name="expected">What was expected.</param>
    /// <returns>The error.</returns>
    public static AppContractException BadFile(string file, string jsonPath, string found, string expected)
    {
        string message = $"{file} {jsonPath}: {found}; expected {expected}.";
        // No fix sentence: the message says what is expected, and 'client --help' names the schema.
        return new AppContractException(message, message, ExitCodes.BadInput);
    }

    /// <summary>Neither a file nor a preset has the name given to <c>--app</c>.</summary>
    /// <param name="name">The name given.</param>
    /// <param name="presets">The built-in presets.</param>
    /// <returns>The error.</returns>
    public static AppContractException Unknown(string name, IEnumerable<string> presets)
    {
        string message = $"--app {name}: no such file and no built-in app contract of that name; expected a contract file (JSON) or one of {string.Join(", ", presets)}.";
        return new AppContractException(message, message, ExitCodes.BadCommandLine);
    }

    private static string Invariant(FormattableString value) => value.ToString(CultureInfo.InvariantCulture);
}
