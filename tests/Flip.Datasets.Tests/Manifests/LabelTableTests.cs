using Flip.Datasets.Manifests;

namespace Flip.Datasets.Tests.Manifests;

public sealed class LabelTableTests : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("flip-labels-").FullName;

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    private LabelSource Source(string csv, string isupColumn = "isup")
    {
        string path = Path.Combine(_folder, "labels.csv");
        File.WriteAllText(path, csv);
        return new LabelSource(path, "patient", "site", isupColumn, null, null);
    }

    [Fact]
    public void Rows_give_patient_site_and_the_highest_grade_per_patient_with_quoted_fields_and_empty_grades()
    {
        LabelTable table = LabelTable.Read(Source("\uFEFFPatient,Site,ISUP,note\np1,site-1,2,\"biopsy, MRI\"\np1,site-1,4,x\np2,site-2,,none\n"), "get it");

        Assert.Equal([new LabelRow("p1", "site-1", 4, 3), new LabelRow("p2", "site-2", 0, 4)], table.Rows);
    }

    [Fact]
    public void A_missing_column_names_the_header_and_the_nearest_column()
    {
        FlipException error = Assert.Throws<FlipException>(() => LabelTable.Read(Source("patient,site,isup_grade\np1,s,1\n", "isup-grade"), "get it"));

        Assert.Equal("labels.csv:1: the header has no column \"isup-grade\" (did you mean \"isup_grade\"?); expected one of its columns: patient, site, isup_grade. Fix: fix the column name in the manifest's labels section.", error.ToUserText());
    }

    [Fact]
    public void Bad_grades_are_all_listed_with_their_lines()
    {
        FlipException error = Assert.Throws<FlipException>(() => LabelTable.Read(Source("patient,site,isup\np1,s,7\np2,s,2\np3,s,high\n,s,1\n"), "get it"));

        Assert.Equal(ExitCodes.BadInput, error.ExitCode);
        Assert.Equal(string.Join(Environment.NewLine,
            "the patient table has 3 bad row(s):",
            "  labels.csv:2 column isup: \"7\"; expected an ISUP grade group 0–5 (or empty for none).",
            "  labels.csv:4 column isup: \"high\"; expected an ISUP grade group 0–5 (or empty for none).",
            "  labels.csv:5 column patient: empty; expected a patient id."), error.Message);
    }
}
