using System.CommandLine;
using System.CommandLine.Completions;
using System.CommandLine.Parsing;
using System.Globalization;
using System.Text.RegularExpressions;

namespace Flip.Cli;

/// <summary>Turns System.CommandLine's parse errors into the project's one sentence: the option, what was wrong, and the fix.</summary>
internal static partial class CliErrors
{
    [GeneratedRegex(@"^Cannot parse argument '(?<value>.*)' for option '(?<option>[^']+)' as expected type '(?<type>[^']+)'\.", RegexOptions.CultureInvariant)]
    private static partial Regex ConversionMessage();

    /// <summary>The one-line text for the first parse error that matters.</summary>
    public static string Describe(IReadOnlyList<ParseError> errors)
    {
        ParseError error = errors.FirstOrDefault(e => e.Message.StartsWith("Unrecognized", StringComparison.Ordinal)) ?? errors[0];
        if (error.Message.StartsWith("Argument '", StringComparison.Ordinal) && error.Message.Contains("not recognized", StringComparison.Ordinal)
            && Allowed(error.SymbolResult) is { Option: { } option, Values: { Count: > 0 } values })
        {
            string given = Regex.Match(error.Message, "^Argument '(.*?)' not recognized").Groups[1].Value;
            string hint = Suggestions.Closest(given, values) is { } closest ? $" Did you mean '{closest}'?" : "";
            return $"'{given}' is not a valid value for {option}; expected one of {string.Join(", ", values)}.{hint}";
        }

        if (DescribeConversion(error.Message) is { } conversion)
        {
            return conversion;
        }

        return error.Message.ReplaceLineEndings(" ").Trim() + " Run 'flip-research --help' for the verbs and options.";
    }

    /// <summary>The text for a value that could not be converted (System.CommandLine throws this while validating).</summary>
    public static string? DescribeConversion(InvalidOperationException e) => DescribeConversion(e.Message);

    private static string? DescribeConversion(string message)
    {
        var m = ConversionMessage().Match(message);
        if (!m.Success)
        {
            return null;
        }

        string expected = m.Groups["type"].Value switch
        {
            "System.Int32" or "System.Int64" or "System.Nullable`1[System.Int32]" => "a whole number",
            "System.UInt64" or "System.UInt32" => "a whole number ≥ 0",
            "System.Double" or "System.Single" => "a number such as 0.5",
            "System.Boolean" => "true or false",
            string other => other,
        };
        return string.Create(CultureInfo.InvariantCulture, $"{m.Groups["option"].Value}: '{m.Groups["value"].Value}' is not {expected}; expected {expected} (see 'flip-research --help').");
    }

    private static (string? Option, IReadOnlyList<string> Values) Allowed(SymbolResult? result)
    {
        Option? option = result switch
        {
            OptionResult o => o.Option,
            ArgumentResult { Parent: OptionResult o } => o.Option,
            _ => null,
        };
        if (option is null)
        {
            return (null, []);
        }

        var values = option.GetCompletions(CompletionContext.Empty).Select(c => c.Label).ToList();
        return (option.Name, values);
    }
}
