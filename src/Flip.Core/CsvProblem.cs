using System.Globalization;

namespace Flip;

/// <summary>The one sentence every CSV reader of the project uses for a problem it found: where, what was found, what was expected.</summary>
public static class CsvProblem
{
    /// <summary>One problem in a CSV file, placed by line and column.</summary>
    /// <param name="file">The CSV file, named as given (every run folder has a <c>metrics.csv</c>, so the folder matters).</param>
    /// <param name="line">The 1-based line number.</param>
    /// <param name="column">The 1-based column number, or 0 for the whole line.</param>
    /// <param name="columnName">The column's header name, or <see langword="null"/>.</param>
    /// <param name="found">What was found.</param>
    /// <param name="expected">What was expected.</param>
    /// <returns>One sentence: <c>runs/fedavg/metrics.csv:7 column 5 (value): found …; expected ….</c></returns>
    public static string Describe(string file, int line, int column, string? columnName, string found, string expected)
    {
        string where = column == 0
            ? string.Create(CultureInfo.InvariantCulture, $"{file}:{line}")
            : string.Create(CultureInfo.InvariantCulture, $"{file}:{line} column {column} ({columnName})");
        return $"{where}: {found}; expected {expected}.";
    }
}
