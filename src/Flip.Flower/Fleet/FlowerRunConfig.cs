using System.Globalization;
using System.IO.Compression;
using W = Flip.Flower.Wire;

namespace Flip.Flower.Fleet;

/// <summary>
/// A run's configuration as Flower's ServerApp process fuses it (<c>get_fused_config_from_dir</c>): the defaults of the app
/// bundle's <c>pyproject.toml</c> table <c>[tool.flwr.app.config]</c>, then the run's <c>override_config</c>
/// (<c>flwr run --run-config</c>). The SuperLink hands the ServerApp an empty <c>Context.run_config</c>, so it is built here.
/// </summary>
public sealed class FlowerRunConfig
{
    private const string Table = "tool.flwr.app.config";
    private readonly Dictionary<string, W.Scalar> _values;
    private readonly string _where;

    private FlowerRunConfig(Dictionary<string, W.Scalar> values, string where)
    {
        _values = values;
        _where = where;
    }

    /// <summary>The fused values.</summary>
    public IReadOnlyDictionary<string, W.Scalar> Values => _values;

    /// <summary>Fuses a FAB's defaults with a run's overrides.</summary>
    /// <param name="fab">The FAB zip (<see langword="null"/> or empty: no defaults).</param>
    /// <param name="overrides">The run's <c>override_config</c>.</param>
    /// <param name="where">Names the run in error messages, e.g. <c>run 42</c>.</param>
    /// <returns>The run config.</returns>
    /// <exception cref="FlipException">The FAB is not a zip, or a default in its <c>pyproject.toml</c> is not a TOML number, boolean or string.</exception>
    public static FlowerRunConfig Fuse(ReadOnlyMemory<byte> fab, IReadOnlyDictionary<string, W.Scalar> overrides, string where)
    {
        ArgumentNullException.ThrowIfNull(overrides);
        var values = new Dictionary<string, W.Scalar>(StringComparer.Ordinal);
        if (!fab.IsEmpty)
        {
            foreach (var (key, value) in Defaults(fab, where))
            {
                values[key] = value;
            }
        }

        foreach (var (key, value) in overrides)
        {
            values[key] = value;
        }

        return new FlowerRunConfig(values, where);
    }

    /// <summary>A string value, or <paramref name="fallback"/> when the key is absent.</summary>
    /// <param name="key">The key.</param>
    /// <param name="fallback">The default.</param>
    /// <returns>The value.</returns>
    /// <exception cref="FlipException">The value is not a string.</exception>
    public string GetString(string key, string fallback) =>
        !_values.TryGetValue(key, out W.Scalar? v) ? fallback
        : v.ScalarCase == W.Scalar.ScalarOneofCase.String ? v.String
        : throw Bad(key, v, "a string");

    /// <summary>An integer value, or <paramref name="fallback"/> when the key is absent.</summary>
    /// <param name="key">The key.</param>
    /// <param name="fallback">The default.</param>
    /// <returns>The value.</returns>
    /// <exception cref="FlipException">The value is not a whole number in the range of <see cref="int"/>.</exception>
    public int GetInt(string key, int fallback)
    {
        if (!_values.TryGetValue(key, out W.Scalar? v))
        {
            return fallback;
        }

        double number = v.ScalarCase switch
        {
            W.Scalar.ScalarOneofCase.Sint64 => v.Sint64,
            W.Scalar.ScalarOneofCase.Uint64 => v.Uint64,
            W.Scalar.ScalarOneofCase.Double => v.Double,
            _ => double.NaN,
        };
        return double.IsFinite(number) && number == Math.Floor(number) && number is >= int.MinValue and <= int.MaxValue ? (int)number : throw Bad(key, v, "a whole number");
    }

    /// <summary>Whether the key is set.</summary>
    /// <param name="key">The key.</param>
    /// <returns><see langword="true"/> when the defaults or the overrides set it.</returns>
    public bool Contains(string key) => _values.ContainsKey(key);

    private FlipException Bad(string key, W.Scalar value, string expected) =>
        new(string.Create(CultureInfo.InvariantCulture, $"{_where}: run config '{key}' is {Describe(value)}; expected {expected}."), ExitCodes.BadInput,
            $"set it in the app's pyproject.toml [{Table}] or with flwr run --run-config \"{key}=…\".");

    private static string Describe(W.Scalar v) => v.ScalarCase switch
    {
        W.Scalar.ScalarOneofCase.String => $"the string \"{v.String}\"",
        W.Scalar.ScalarOneofCase.Bool => v.Bool ? "true" : "false",
        W.Scalar.ScalarOneofCase.Double => v.Double.ToString("R", CultureInfo.InvariantCulture),
        W.Scalar.ScalarOneofCase.Sint64 => v.Sint64.ToString(CultureInfo.InvariantCulture),
        W.Scalar.ScalarOneofCase.Uint64 => v.Uint64.ToString(CultureInfo.InvariantCulture),
        _ => "a " + v.ScalarCase,
    };

    /// <summary>The <c>[tool.flwr.app.config]</c> table of the FAB's <c>pyproject.toml</c>: one <c>key = value</c> a line (TOML numbers, booleans, strings).</summary>
    private static IEnumerable<(string Key, W.Scalar Value)> Defaults(ReadOnlyMemory<byte> fab, string where)
    {
        if (ReadConfigFile(fab, where) is not { } text)
        {
            yield break;
        }

        bool inTable = false;
        int lineNumber = 0;
        foreach (string raw in text.Split('\n'))
        {
            lineNumber++;
            string line = raw.Trim();
            if (line.Length == 0 || line[0] == '#')
            {
                continue;
            }

            if (line[0] == '[')
            {
                inTable = line.Trim('[', ']', ' ') == Table;
                continue;
            }

            int eq = line.IndexOf('=', StringComparison.Ordinal);
            if (!inTable || eq <= 0)
            {
                continue;
            }

            string key = line[..eq].Trim().Trim('"');
            string value = line[(eq + 1)..].Trim();
            yield return (key, ParseValue(value) ?? throw new FlipException(
                string.Create(CultureInfo.InvariantCulture, $"{where}: the app bundle's {FlowerAppBundle.ConfigFile} line {lineNumber}: '{key}' = {value} is not a TOML number, boolean or string."),
                ExitCodes.BadInput, $"write [{Table}] values as numbers, true/false or \"strings\"."));
        }
    }

    private static string? ReadConfigFile(ReadOnlyMemory<byte> fab, string where)
    {
        try
        {
            using var zip = new ZipArchive(new MemoryStream(fab.ToArray()), ZipArchiveMode.Read);
            if (zip.GetEntry(FlowerAppBundle.ConfigFile) is not { } entry)
            {
                return null;
            }

            using var reader = new StreamReader(entry.Open());
            return reader.ReadToEnd();
        }
        catch (InvalidDataException e)
        {
            throw new FlipException($"{where}: the app bundle (FAB) is not a zip archive: {e.Message}", ExitCodes.BadInput, "submit the run with flwr run from the app's folder.");
        }
    }

    private static W.Scalar? ParseValue(string value)
    {
        if (value.Length >= 2 && (value[0] == '"' || value[0] == '\''))
        {
            int end = value.IndexOf(value[0], 1);
            return end > 0 ? new W.Scalar { String = value[1..end] } : null;
        }

        int comment = value.IndexOf('#', StringComparison.Ordinal);
        if (comment >= 0)
        {
            value = value[..comment].Trim();
        }

        return value switch
        {
            "true" => new W.Scalar { Bool = true },
            "false" => new W.Scalar { Bool = false },
            _ when long.TryParse(value.Replace("_", string.Empty, StringComparison.Ordinal), NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out long n) => new W.Scalar { Sint64 = n },
            _ when double.TryParse(value.Replace("_", string.Empty, StringComparison.Ordinal), NumberStyles.Float, CultureInfo.InvariantCulture, out double d) => new W.Scalar { Double = d },
            _ => null,
        };
    }
}
