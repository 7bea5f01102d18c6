using System.Globalization;
using System.Text;

namespace Flip.Datasets.Manifests;

/// <summary>The patient table of a manifest: patient id, site id and ISUP grade per row.</summary>
internal sealed class LabelTable
{
    private LabelTable(IReadOnlyList<LabelRow> rows) => Rows = rows;

    public IReadOnlyList<LabelRow> Rows { get; }

    /// <summary>Reads the CSV (header row, comma-separated, double quotes for fields with commas: <see cref="CsvFile.Split"/>).</summary>
    /// <exception cref="FlipException">The file is missing, a column is missing or a grade is not 0–5 (every bad row listed).</exception>
    public static LabelTable Read(LabelSource labels, string whereToGet)
    {
        string path = labels.Table!;
        string file = Path.GetFileName(path);
        if (!File.Exists(path))
        {
            throw new FlipException($"the patient table '{path}' does not exist; expected the data set's label table there.", ExitCodes.BadInput, whereToGet);
        }

        string[] lines = File.ReadAllLines(path, Encoding.UTF8);
        if (lines.Length == 0)
        {
            throw new FlipException($"{file}:1: the patient table is empty; expected a header row naming the columns {labels.PatientColumn} and {labels.IsupColumn}.", ExitCodes.BadInput);
        }

        string[] header = [.. CsvFile.Split(lines[0]).Select(h => h.Trim().TrimStart('\uFEFF'))];
        int Column(string name)
        {
            int index = Array.FindIndex(header, h => string.Equals(h, name, StringComparison.OrdinalIgnoreCase));
            if (index >= 0) return index;
            string? close = Suggestions.Closest(name, header);
            throw new FlipException($"{file}:1: the header has no column \"{name}\"{(close is null ? string.Empty : $" (did you mean \"{close}\"?)")}; expected one of its columns: {string.Join(", ", header)}.",
                ExitCodes.BadInput, "fix the column name in the manifest's labels section.");
        }

        int patient = Column(labels.PatientColumn), isup = Column(labels.IsupColumn);
        int site = labels.SiteColumn is null ? -1 : Column(labels.SiteColumn);
        var rows = new List<LabelRow>();
        var problems = new List<string>();
        for (int i = 1; i < lines.Length; i++)
        {
            if (string.IsNullOrWhiteSpace(lines[i])) continue;
            string[] fields = CsvFile.Split(lines[i]);
            string Field(int c) => c < fields.Length ? fields[c].Trim() : string.Empty;
            string grade = Field(isup);
            int value = 0;
            if (grade.Length > 0 && !(double.TryParse(grade, NumberStyles.Float, CultureInfo.InvariantCulture, out double parsed) && parsed == Math.Floor(parsed) && parsed is >= 0 and <= 5 && (value = (int)parsed) >= 0))
            {
                problems.Add($"{file}:{i + 1} column {labels.IsupColumn}: \"{grade}\"; expected an ISUP grade group 0–5 (or empty for none).");
                continue;
            }

            if (Field(patient).Length == 0)
            {
                problems.Add($"{file}:{i + 1} column {labels.PatientColumn}: empty; expected a patient id.");
                continue;
            }

            rows.Add(new LabelRow(Field(patient), site < 0 ? null : Field(site), value, i + 1));
        }

        if (problems.Count > 0)
        {
            throw new FlipException($"the patient table has {problems.Count} bad row(s):{Environment.NewLine}  " + string.Join(Environment.NewLine + "  ", problems.Take(20)), ExitCodes.BadInput,
                "correct those rows.");
        }

        // A patient with several rows (one per study or lesion) has the highest grade.
        return new LabelTable([.. rows.GroupBy(r => (r.PatientId, r.SiteId)).Select(g => g.MaxBy(r => r.IsupGrade)!)]);
    }
}

/// <summary>One patient of the table.</summary>
internal sealed record LabelRow(string PatientId, string? SiteId, int IsupGrade, int Line);
