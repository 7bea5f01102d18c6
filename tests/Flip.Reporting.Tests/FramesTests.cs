namespace Flip.Reporting.Tests;

public sealed class FramesTests
{
    [Fact]
    public void SiteTable_has_sites_in_natural_order_then_pooled_and_metrics_as_columns()
    {
        var frame = Frames.SiteTable(SampleRuns.Metrics(strategy: 0));

        Assert.Equal(["site-1", "site-2", "site-3", "site-4", "site-5", "site-6", "pooled"], frame.RowKeys);
        Assert.Equal(["auroc", "dice"], frame.ColumnKeys);
        Golden.Verify("Frames", "SiteTable", Frames.ToText(frame));
    }

    [Fact]
    public void ByRound_has_rounds_as_rows_and_sites_as_columns()
    {
        var frame = Frames.ByRound(SampleRuns.Metrics(strategy: 1), "auroc");

        Assert.Equal([1, 2, 3, 4], frame.RowKeys);
        Golden.Verify("Frames", "ByRound", Frames.ToText(frame));
    }

    [Fact]
    public void SiteByRun_pivots_sites_against_strategies()
    {
        var frame = Frames.SiteByRun([SampleRuns.Run("FedAvg", 0), SampleRuns.Run("FedBN", 1), SampleRuns.Run("FedProx", 2)], "auroc");

        Assert.Equal(["FedAvg", "FedBN", "FedProx"], frame.ColumnKeys);
        Golden.Verify("Frames", "SiteByRun", Frames.ToText(frame));
    }

    [Fact]
    public void Compare_puts_each_run_fairness_summary_on_a_row()
    {
        var frame = Frames.Compare([SampleRuns.Run("FedAvg", 0), SampleRuns.Run("FedBN", 1)], "auroc");

        Assert.Equal(["FedAvg", "FedBN"], frame.RowKeys);
        Golden.Verify("Frames", "Compare", Frames.ToText(frame));
    }

    [Fact]
    public void ToText_marks_a_missing_value_with_a_dash()
    {
        var metrics = new MetricTable([new(1, "site-1", "test", "auroc", 0.5), new(1, "site-2", "test", "dice", 0.25)]);

        string text = Frames.ToText(Frames.SiteTable(metrics));

        Assert.Equal("        auroc   dice\nsite-1  0.500      -\nsite-2      -  0.250\n", text);
    }

    [Fact]
    public void Counts_show_as_whole_numbers_and_other_metrics_with_three_decimals()
    {
        var metrics = new MetricTable([new(1, "site-1", "test", "auroc", 0.5), new(1, "site-1", "test", "num-examples", 22)]);

        string text = Frames.ToText(Frames.SiteTable(metrics));
        string html = Html.Render(Frames.SiteTable(metrics));

        Assert.Equal("        auroc  num-examples\nsite-1  0.500            22\n", text);
        Assert.Contains(">22<", html);
        Assert.DoesNotContain("22.000", html);
    }

    [Fact]
    public void Compare_rejects_two_runs_with_the_same_name()
    {
        var e = Assert.Throws<ArgumentException>(() => Frames.Compare([SampleRuns.Run("FedAvg", 0), SampleRuns.Run("FedAvg", 1)], "auroc"));

        Assert.StartsWith("Two runs are named 'FedAvg'; give each run its own name (run.json \"name\") to compare them.", e.Message);
    }
}
