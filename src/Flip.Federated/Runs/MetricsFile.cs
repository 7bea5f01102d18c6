using System.Globalization;
using System.Text;
using Flip.Federated.Simulations;

namespace Flip.Federated.Runs;

/// <summary>
/// <c>metrics.csv</c>, the long-format metrics of a run (<c>round,site,split,metric,value</c>): its one
/// schema, writer and reader, used by the run store (resume), the experiments and the reports.
/// </summary>
/// <remarks>
/// Rows are <see cref="MetricRecord"/>s. Split values: <see cref="MetricRecord.TrainSplit"/>,
/// <see cref="MetricRecord.TestSplit"/>, <see cref="MetricRecord.RoundSplit"/>, and
/// <see cref="CrossSplitPrefix"/> + a site id for cross-site evaluation. Values are written in the
/// invariant culture with round-trip precision.
/// </remarks>
public static class MetricsFile
{
    /// <summary>The file's name in a run folder.</summary>
    public const string FileName = "metrics.csv";

    /// <summary>The header line the file starts with.</summary>
    public const string Header = "round,site,split,metric,value";

    /// <summary>
    /// The prefix of a cross-site evaluation split: a row of site <c>site-j</c> with split <c>cross:site-k</c> is
    /// the model trained at site-j alone, evaluated on site-k's test patients.
    /// </summary>
    public const string CrossSplitPrefix = "cross:";

    /// <summary>The most problems one read reports before it stops.</summary>
    public const int MaxReportedProblems = CsvFile.MaxReportedProblems;

    private static readonly string[] ColumnNames = ["round", "site", "split", "metric", "value"];

    /// <summary>The file's text: the header, then one row per record.</summary>
    /// <param name="metrics">The rows.</param>
    /// <returns>The text.</returns>
    public static string Format(IEnumerable<MetricRecord> metrics)
    {
        ArgumentNullException.ThrowIfNull(metrics);
        var text = new StringBuilder(Header).Append('\n');
        foreach (var m in metrics)
        {
            CsvFile.AppendLine(text, m.Round.ToString(CultureInfo.InvariantCulture), m.Site, m.Split, m.Metric, CsvFile.Number(m.Value));
        }

        return text.ToString();
    }

    /// <summary>
    /// Reads and checks the text: the header (a UTF-8 byte-order mark and CRLF line ends are accepted), five
    /// fields per line, a round 0, 1, 2, …, non-empty site, split and metric, an invariant-culture number, and
    /// each (round, site, split, metric) once. Empty lines are skipped.
    /// </summary>
    /// <param name="reader">The text.</param>
    /// <param name="fileName">The name problems use for the file.</param>
    /// <returns>The rows in file order, and every problem found (up to <see cref="MaxReportedProblems"/>), each one
    /// <see cref="CsvProblem"/> sentence; rows are only meaningful when there is no problem.</returns>
    public static (IReadOnlyList<MetricRecord> Rows, IReadOnlyList<string> Problems) Parse(TextReader reader, string fileName)
    {
        ArgumentNullException.ThrowIfNull(reader);
        ArgumentNullException.ThrowIfNull(fileName);
        var problems = new List<string>();
        var rows = new List<MetricRecord>();
        var firstLine = new Dictionary<(int, string, string, string), int>();
        foreach (var (lineNumber, fields) in CsvFile.Rows(reader, fileName, Header, problems))
        {
            int problemsBefore = problems.Count;
            if (!int.TryParse(fields[0], NumberStyles.None, CultureInfo.InvariantCulture, out int round))
            {
                problems.Add(CsvProblem.Describe(fileName, lineNumber, 1, "round", $"'{fields[0]}'", "a round number 0, 1, 2, …"));
            }

            for (int c = 1; c <= 3; c++)
            {
                if (fields[c].Trim().Length == 0)
                {
                    problems.Add(CsvProblem.Describe(fileName, lineNumber, c + 1, ColumnNames[c], "an empty field", "a non-empty " + ColumnNames[c]));
                }
            }

            if (!double.TryParse(fields[4], NumberStyles.Float, CultureInfo.InvariantCulture, out double value))
            {
                problems.Add(CsvProblem.Describe(fileName, lineNumber, 5, "value", $"'{fields[4]}'", "an invariant-culture number such as 0.81"));
            }

            if (problems.Count != problemsBefore)
            {
                continue;
            }

            var key = (round, fields[1], fields[2], fields[3]);
            if (firstLine.TryGetValue(key, out int earlier))
            {
                problems.Add(CsvProblem.Describe(fileName, lineNumber, 0, null,
                    string.Create(CultureInfo.InvariantCulture, $"round {round}, site {fields[1]}, split {fields[2]}, metric {fields[3]} again (first on line {earlier})"),
                    "each round, site, split and metric once"));
                continue;
            }

            firstLine[key] = lineNumber;
            rows.Add(new MetricRecord(round, fields[1], fields[2], fields[3], value));
        }

        return (rows, problems);
    }
}
