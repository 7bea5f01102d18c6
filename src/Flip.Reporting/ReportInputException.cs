using System.Globalization;

namespace Flip.Reporting;

/// <summary>A run folder's file could not be read for a report: it says which file, line and column, what was found and what was expected.</summary>
/// <remarks>Built with one static factory per failure case, so each message is written once (STYLE.md §4).
/// The exit code is <see cref="ExitCodes.BadInput"/>.</remarks>
public sealed class ReportInputException : FlipException
{
    private ReportInputException(string file, IReadOnlyList<string> problems, string? fix, Exception? inner = null)
        : base(problems.Count == 1 ? problems[0] : $"{file}: {problems.Count} problems: {string.Join(" ", problems)}", ExitCodes.BadInput, fix, inner)
    {
        File = file;
        Problems = problems;
    }

    /// <summary>The file that could not be read.</summary>
    public string File { get; }

    /// <summary>Every problem found, one sentence each, each starting with <c>file:line</c>.</summary>
    public IReadOnlyList<string> Problems { get; }

    /// <summary>A file the report needs does not exist.</summary>
    /// <param name="file">The path looked for.</param>
    /// <param name="what">What the file holds, e.g. "the run's long-format metrics".</param>
    /// <returns>The exception to throw.</returns>
    public static ReportInputException Missing(string file, string what) =>
        new(file, [$"{file}: not found; expected {what}."], "Point the report at a run folder written by 'flip-research simulate'.");

    /// <summary>A CSV file has problems on one or more lines (see <see cref="Problems"/>).</summary>
    /// <param name="file">The CSV file.</param>
    /// <param name="problems">One sentence per problem, as written by <see cref="CsvProblem"/>.</param>
    /// <returns>The exception to throw.</returns>
    public static ReportInputException BadCsv(string file, IReadOnlyList<string> problems) =>
        new(file, problems, "Write the file in invariant culture with the header shown, one value per line.");

    /// <summary>One problem in a CSV file, placed by line and column.</summary>
    /// <param name="file">The CSV file.</param>
    /// <param name="line">The 1-based line number.</param>
    /// <param name="column">The 1-based column number, or 0 for the whole line.</param>
    /// <param name="columnName">The column's header name, or <see langword="null"/>.</param>
    /// <param name="found">What was found.</param>
    /// <param name="expected">What was expected.</param>
    /// <returns>One sentence: <c>runs/fedavg/metrics.csv:7 column 5 (value): found …; expected ….</c> The file is named as given,
    /// since every run folder has a <c>metrics.csv</c>.</returns>
    public static string CsvProblem(string file, int line, int column, string? columnName, string found, string expected) =>
        Flip.CsvProblem.Describe(file, line, column, columnName, found, expected);

    /// <summary>A JSON file is not valid JSON, or not of the expected shape.</summary>
    /// <param name="file">The JSON file.</param>
    /// <param name="line">The 1-based line of the problem, or 0 when unknown.</param>
    /// <param name="path">The JSON path of the problem, e.g. <c>$[2].patients</c>.</param>
    /// <param name="found">What was found.</param>
    /// <param name="expected">What was expected.</param>
    /// <param name="inner">The parser's exception, kept for its details.</param>
    /// <returns>The exception to throw.</returns>
    public static ReportInputException BadJson(string file, long line, string path, string found, string expected, Exception? inner = null)
    {
        string where = line > 0
            ? string.Create(CultureInfo.InvariantCulture, $"{file}:{line} {path}")
            : $"{file} {path}";
        return new(file, [$"{where}: {found}; expected {expected}."], null, inner);
    }
}
