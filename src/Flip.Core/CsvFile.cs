using System.Globalization;
using System.Text;

namespace Flip;

/// <summary>
/// The one CSV reader and writer of the project: the files runs write (<c>metrics.csv</c>, <c>failures.csv</c>,
/// <c>predictions.csv</c>, <c>labels.csv</c>, the study tables) and the label tables data sets bring.
/// </summary>
/// <remarks>
/// One record per line; RFC 4180 fields: a field holding a comma or a double quote is written in double quotes with its
/// quotes doubled and read back as it was (a line break inside a value is written as a space); a UTF-8 byte-order mark
/// and CRLF line ends are accepted; empty lines are skipped. Every problem is one <see cref="CsvProblem"/> sentence placing it by file, line and column.
/// </remarks>
public static class CsvFile
{
    /// <summary>The most problems one read reports before it stops.</summary>
    public const int MaxReportedProblems = 20;

    /// <summary>One data line: its 1-based line number and its fields.</summary>
    /// <param name="Line">The line number in the file (the header is line 1).</param>
    /// <param name="Fields">The fields, unquoted.</param>
    public readonly record struct Row(int Line, string[] Fields);

    /// <summary>
    /// The data lines of a CSV text whose first line must be <paramref name="header"/>: a line with another number of
    /// fields than the header is a problem and is left out; reading stops after <see cref="MaxReportedProblems"/> problems.
    /// </summary>
    /// <param name="reader">The text.</param>
    /// <param name="fileName">The name problems use for the file.</param>
    /// <param name="header">The exact header line.</param>
    /// <param name="problems">Receives each problem as a <see cref="CsvProblem"/> sentence.</param>
    /// <returns>The data lines, in file order.</returns>
    public static IEnumerable<Row> Rows(TextReader reader, string fileName, string header, ICollection<string> problems)
    {
        ArgumentNullException.ThrowIfNull(reader);
        ArgumentNullException.ThrowIfNull(header);
        ArgumentNullException.ThrowIfNull(problems);
        string? first = reader.ReadLine();
        if (first is null)
        {
            problems.Add(CsvProblem.Describe(fileName, 1, 0, null, "the file is empty", $"the header '{header}'"));
            yield break;
        }

        first = first.TrimStart('\uFEFF').TrimEnd('\r');
        if (first != header)
        {
            problems.Add(CsvProblem.Describe(fileName, 1, 0, null, $"header '{first}'", $"'{header}'"));
            yield break;
        }

        int columns = Split(header).Length;
        int lineNumber = 1;
        string? line;
        while (problems.Count < MaxReportedProblems && (line = reader.ReadLine()) is not null)
        {
            lineNumber++;
            line = line.TrimEnd('\r');
            if (line.Length == 0)
            {
                continue;
            }

            string[] fields = Split(line);
            if (fields.Length != columns)
            {
                problems.Add(CsvProblem.Describe(fileName, lineNumber, 0, null,
                    string.Create(CultureInfo.InvariantCulture, $"{fields.Length} fields"), string.Create(CultureInfo.InvariantCulture, $"{columns} fields: {header}")));
                continue;
            }

            yield return new Row(lineNumber, fields);
        }
    }

    /// <summary>Splits one line into its fields, unquoting quoted ones (<c>"a, ""b"""</c> is <c>a, "b"</c>).</summary>
    /// <param name="line">One line, without its line end.</param>
    /// <returns>The fields.</returns>
    public static string[] Split(string line)
    {
        ArgumentNullException.ThrowIfNull(line);
        var fields = new List<string>();
        var field = new StringBuilder();
        bool quoted = false;
        for (int i = 0; i < line.Length; i++)
        {
            char c = line[i];
            if (quoted)
            {
                if (c == '"' && i + 1 < line.Length && line[i + 1] == '"')
                {
                    field.Append('"');
                    i++;
                }
                else if (c == '"')
                {
                    quoted = false;
                }
                else
                {
                    field.Append(c);
                }
            }
            else if (c == '"' && field.Length == 0)
            {
                quoted = true;
            }
            else if (c == ',')
            {
                fields.Add(field.ToString());
                field.Clear();
            }
            else
            {
                field.Append(c);
            }
        }

        fields.Add(field.ToString());
        return [.. fields];
    }

    /// <summary>
    /// One value as a field: a line break becomes a space (every record is one line), and a value holding a comma or a
    /// double quote is written in double quotes with its quotes doubled.
    /// </summary>
    /// <param name="value">The value.</param>
    /// <returns>The field text.</returns>
    public static string Field(string value)
    {
        ArgumentNullException.ThrowIfNull(value);
        if (value.AsSpan().IndexOfAny('\r', '\n') >= 0)
        {
            value = value.Replace("\r\n", " ", StringComparison.Ordinal).Replace('\r', ' ').Replace('\n', ' ');
        }

        return value.AsSpan().IndexOfAny(',', '"') < 0 ? value : "\"" + value.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"";
    }

    /// <summary>Appends one line of fields (each through <see cref="Field"/>) and a line end.</summary>
    /// <param name="text">The file text so far.</param>
    /// <param name="values">The line's values.</param>
    /// <returns><paramref name="text"/>.</returns>
    public static StringBuilder AppendLine(StringBuilder text, params ReadOnlySpan<string> values)
    {
        ArgumentNullException.ThrowIfNull(text);
        for (int i = 0; i < values.Length; i++)
        {
            if (i > 0)
            {
                text.Append(',');
            }

            text.Append(Field(values[i]));
        }

        return text.Append('\n');
    }

    /// <summary>A number as a field: invariant culture, round-trip precision.</summary>
    /// <param name="value">The number.</param>
    /// <returns>Its text.</returns>
    public static string Number(double value) => value.ToString("R", CultureInfo.InvariantCulture);
}
