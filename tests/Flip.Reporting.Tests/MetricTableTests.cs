namespace Flip.Reporting.Tests;

public sealed class MetricTableTests
{
    private static MetricTable Parse(string text) => MetricTable.Parse(new StringReader(text), "runs/fedavg/metrics.csv");

    [Fact]
    public void Parse_reads_rows_in_invariant_culture_and_indexes_them()
    {
        var table = Parse("round,site,split,metric,value\n1,site-2,test,auroc,0.75\n1,site-10,test,auroc,0.5\n1,pooled,test,auroc,1e-1\n2,site-2,test,auroc,0.8\n");

        Assert.Equal(4, table.Rows.Count);
        Assert.Equal(new MetricRow(1, "site-2", "test", "auroc", 0.75), table.Rows[0]);
        Assert.Equal([1, 2], table.Rounds);
        Assert.Equal(2, table.LastRound);
        Assert.Equal(["site-2", "site-10"], table.Sites);
        Assert.Equal(0.1, table.PooledValue("auroc", 1));
        Assert.Null(table.PooledValue("auroc", 2));
        Assert.Equal(0.8, table.Find(2, "site-2", "test", "auroc"));
        Assert.Equal(["site-2", "site-10"], table.SiteValues("auroc", 1).Keys);
    }

    [Fact]
    public void Parse_accepts_a_byte_order_mark_and_windows_line_ends()
    {
        var table = Parse("\uFEFFround,site,split,metric,value\r\n3,site-1,train,loss,0.25\r\n");

        Assert.Equal(new MetricRow(3, "site-1", "train", "loss", 0.25), Assert.Single(table.Rows));
    }

    [Fact]
    public void Parse_names_the_file_and_expected_header_when_the_header_is_wrong()
    {
        var e = Assert.Throws<ReportInputException>(() => Parse("round;site;split;metric;value\n"));

        Assert.Equal("runs/fedavg/metrics.csv:1: header 'round;site;split;metric;value'; expected 'round,site,split,metric,value'.", e.Message);
        Assert.Equal(ExitCodes.BadInput, e.ExitCode);
    }

    [Fact]
    public void Parse_reports_line_and_column_of_a_value_in_a_local_culture()
    {
        var e = Assert.Throws<ReportInputException>(() => Parse("round,site,split,metric,value\n1,site-1,test,auroc,0.7\n2,site-1,test,auroc,0;81\n"));

        Assert.Equal("runs/fedavg/metrics.csv:3 column 5 (value): '0;81'; expected an invariant-culture number such as 0.81.", e.Message);
        Assert.Equal("Write the file in invariant culture with the header shown, one value per line.", e.Fix);
    }

    [Fact]
    public void Parse_collects_every_problem_not_just_the_first()
    {
        var e = Assert.Throws<ReportInputException>(() => Parse(
            "round,site,split,metric,value\n-1,site-1,test,auroc,0.7\n1,,test,auroc,0.7\n1,site-1,test,auroc\n1,site-1,test,auroc,0.7\n1,site-1,test,auroc,0.8\n"));

        Assert.Equal(
        [
            "runs/fedavg/metrics.csv:2 column 1 (round): '-1'; expected a round number 0, 1, 2, ….",
            "runs/fedavg/metrics.csv:3 column 2 (site): an empty field; expected a non-empty site.",
            "runs/fedavg/metrics.csv:4: 4 fields; expected 5 fields: round,site,split,metric,value.",
            "runs/fedavg/metrics.csv:6: round 1, site site-1, split test, metric auroc again (first on line 5); expected each round, site, split and metric once.",
        ], e.Problems);
        Assert.StartsWith("runs/fedavg/metrics.csv: 4 problems: runs/fedavg/metrics.csv:2 column 1 (round)", e.Message);
    }

    [Fact]
    public void Parse_names_an_empty_file()
    {
        var e = Assert.Throws<ReportInputException>(() => Parse(""));

        Assert.Equal("runs/fedavg/metrics.csv:1: the file is empty; expected the header 'round,site,split,metric,value'.", e.Message);
    }

    [Fact]
    public void Load_names_a_missing_file_and_the_fix()
    {
        string path = Path.Combine(Path.GetTempPath(), "flip-missing-" + Guid.NewGuid().ToString("N"), "metrics.csv");

        var e = Assert.Throws<ReportInputException>(() => MetricTable.Load(path));

        Assert.Equal($"{path}: not found; expected the run's long-format metrics with header round,site,split,metric,value.", e.Message);
        Assert.Equal("Point the report at a run folder written by 'flip-research simulate'.", e.Fix);
    }

    [Fact]
    public void Constructor_rejects_a_duplicate_row()
    {
        var row = new MetricRow(1, "site-1", "test", "auroc", 0.7);

        var e = Assert.Throws<ArgumentException>(() => new MetricTable([row, row with { Value = 0.8 }]));

        Assert.StartsWith("Round 1, site site-1, split test, metric auroc appears twice.", e.Message);
    }

    [Fact]
    public void The_strategy_aggregate_row_is_not_counted_as_a_hospital()
    {
        var table = new MetricTable(
        [
            new(2, "site-1", "test", "auroc", 0.9),
            new(2, "site-2", "test", "auroc", 0.6),
            new(2, SiteIds.Federated, "test", "auroc", 0.75),
            new(2, SiteIds.Pooled, "test", "auroc", 0.8),
        ]);

        Assert.Equal(["site-1", "site-2"], table.Sites);
        Assert.Equal(["site-1", "site-2"], table.SiteValues("auroc", 2).Keys);
        Assert.Equal(0.75, table.Find(2, SiteIds.Federated, "test", "auroc"));
    }
}
