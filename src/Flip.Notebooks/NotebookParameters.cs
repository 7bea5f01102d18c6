using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;

namespace Flip.Notebooks;

/// <summary>Papermill-style parameters: the plain <c>var</c>s of the cell tagged <c>parameters</c>, and the
/// <c>--param name=value</c> overrides checked against them.</summary>
/// <remarks>
/// A parameter line is <c>var name = literal;</c> with an optional trailing <c>// comment</c>; the literal's type is
/// the parameter's type: an integer (<c>int</c>, or <c>long</c> with an <c>L</c> suffix), a floating-point
/// number (<c>double</c>), <c>true</c>/<c>false</c> (<c>bool</c>) or a string in double quotes. Other lines (comments,
/// blank lines) are allowed and ignored. Overrides run as a cell injected right after the parameters cell
/// (tagged <c>injected-parameters</c>, as papermill does), so the notebook's own defaults stay visible.
/// </remarks>
public static partial class NotebookParameters
{
    /// <summary>The cell tag that marks the parameters cell in an <c>.ipynb</c> (papermill's convention).</summary>
    public const string Tag = "parameters";

    /// <summary>The tag of the cell the runner injects with the overrides.</summary>
    public const string InjectedTag = "injected-parameters";

    /// <summary>The first line that marks the parameters cell in a <c>.dib</c> file (which has no cell tags).</summary>
    public const string DibMarker = "// parameters";

    [GeneratedRegex("""^\s*var\s+(?<name>[A-Za-z_][A-Za-z0-9_]*)\s*=\s*(?<literal>.+?)\s*;\s*(//.*)?$""")]
    private static partial Regex VarLine();

    [GeneratedRegex("""^[A-Za-z_][A-Za-z0-9_]*$""")]
    private static partial Regex Identifier();

    /// <summary>Reads the parameters declared in a parameters cell.</summary>
    /// <param name="cell">The cell's source.</param>
    /// <returns>The parameters in order.</returns>
    public static IReadOnlyList<NotebookParameter> Parse(string cell)
    {
        ArgumentNullException.ThrowIfNull(cell);
        var result = new List<NotebookParameter>();
        string[] lines = cell.Split('\n');
        for (int i = 0; i < lines.Length; i++)
        {
            Match m = VarLine().Match(lines[i].TrimEnd('\r'));
            if (m.Success && TypeOf(m.Groups["literal"].Value) is { } type)
            {
                result.Add(new NotebookParameter(m.Groups["name"].Value, type, m.Groups["literal"].Value, i + 1));
            }
        }

        return result;
    }

    /// <summary>Splits <c>name=value</c> command-line overrides.</summary>
    /// <param name="pairs">The <c>--param</c> values.</param>
    /// <returns>Name → raw value, in order.</returns>
    /// <exception cref="FlipException">A value has no <c>=</c> or an invalid name.</exception>
    public static IReadOnlyList<KeyValuePair<string, string>> ParseOverrides(IEnumerable<string> pairs)
    {
        ArgumentNullException.ThrowIfNull(pairs);
        var result = new List<KeyValuePair<string, string>>();
        foreach (string pair in pairs)
        {
            int eq = pair.IndexOf('=', StringComparison.Ordinal);
            string name = eq < 0 ? pair : pair[..eq].Trim();
            if (eq <= 0 || !Identifier().IsMatch(name))
            {
                throw new FlipException($"--param '{pair}' is not name=value with a C# variable name.", ExitCodes.BadCommandLine,
                    "write it as --param rounds=20");
            }

            result.Add(KeyValuePair.Create(name, pair[(eq + 1)..]));
        }

        return result;
    }

    /// <summary>Checks overrides against the declared parameters and turns them into C# assignments.</summary>
    /// <param name="notebook">The notebook's path, for messages.</param>
    /// <param name="declared">The parameters cell's parameters.</param>
    /// <param name="overrides">Name → raw value.</param>
    /// <returns>The C# source of the injected cell (one assignment per line).</returns>
    /// <exception cref="FlipException">An unknown name (with the closest declared one), or a value that is not of the declared type.</exception>
    public static string Assignments(string notebook, IReadOnlyList<NotebookParameter> declared, IReadOnlyList<KeyValuePair<string, string>> overrides)
    {
        ArgumentNullException.ThrowIfNull(declared);
        ArgumentNullException.ThrowIfNull(overrides);
        var code = new StringBuilder();
        foreach (var (name, raw) in overrides)
        {
            NotebookParameter? parameter = declared.FirstOrDefault(p => p.Name == name);
            if (parameter is null)
            {
                string known = declared.Count == 0 ? "it declares none" : "it declares " + string.Join(", ", declared.Select(p => p.Name));
                string? near = Suggestions.Closest(name, declared.Select(p => p.Name));
                throw new FlipException($"{notebook}: parameter '{name}' is not declared in the cell tagged '{Tag}' ({known}).",
                    ExitCodes.BadCommandLine, near is null ? "use one of the declared names" : $"did you mean '{near}'?");
            }

            code.Append(CultureInfo.InvariantCulture, $"{name} = {Literal(notebook, parameter, raw)};\n");
        }

        return code.ToString();
    }

    private static string Literal(string notebook, NotebookParameter parameter, string raw)
    {
        string text = raw.Trim();
        bool ok = parameter.Type switch
        {
            "int" => int.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out _),
            "long" => long.TryParse(text.TrimEnd('L', 'l'), NumberStyles.Integer, CultureInfo.InvariantCulture, out _),
            "double" => double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out _),
            "bool" => text is "true" or "false",
            _ => true,
        };
        if (!ok)
        {
            throw new FlipException(
                $"{notebook}: parameter '{parameter.Name}' is declared as {parameter.Type} (line {parameter.Line} of the parameters cell: {parameter.Literal}), but --param gave '{raw}'.",
                ExitCodes.BadCommandLine, $"pass a {parameter.Type} value, e.g. --param {parameter.Name}={parameter.Literal.Trim('"')}");
        }

        return parameter.Type switch
        {
            "string" => SymbolDisplayString(raw),
            "double" => double.Parse(text, NumberStyles.Float, CultureInfo.InvariantCulture).ToString("R", CultureInfo.InvariantCulture) + "d",
            "long" => text.TrimEnd('L', 'l') + "L",
            _ => text,
        };
    }

    private static string SymbolDisplayString(string value)
    {
        var s = new StringBuilder("\"");
        foreach (char c in value)
        {
            s.Append(c switch
            {
                '"' => "\\\"",
                '\\' => "\\\\",
                '\n' => "\\n",
                '\r' => "\\r",
                '\t' => "\\t",
                _ => c.ToString(),
            });
        }

        return s.Append('"').ToString();
    }

    private static string? TypeOf(string literal)
    {
        if (literal is "true" or "false") return "bool";
        if (literal.Length >= 2 && literal[0] == '"' && literal[^1] == '"') return "string";
        if (Regex.IsMatch(literal, "^-?[0-9]+$")) return "int";
        if (Regex.IsMatch(literal, "^-?[0-9]+[Ll]$")) return "long";
        if (Regex.IsMatch(literal, "^-?([0-9]+\\.[0-9]*|\\.[0-9]+|[0-9]+)([eE][-+]?[0-9]+)?[dD]?$")) return "double";
        return null;
    }
}
