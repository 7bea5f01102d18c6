namespace Flip.Reporting.Tests;

public sealed class FairnessTests
{
    private const int Precision = 12;

    // Four sites: 0.6, 0.8, 0.7, 0.9.
    private static readonly Dictionary<string, double> FourSites = new()
    {
        ["site-1"] = 0.6, ["site-2"] = 0.8, ["site-3"] = 0.7, ["site-4"] = 0.9,
    };

    [Fact]
    public void Summarize_computes_every_measure_by_hand()
    {
        // Given: sum 3.0, n 4, sum of squares 0.36 + 0.64 + 0.49 + 0.81 = 2.30
        // When
        var s = Fairness.Summarize(FourSites, "auroc", round: 5, pooled: 0.78);

        // Then
        Assert.Equal("auroc", s.Metric);
        Assert.Equal(5, s.Round);
        Assert.Equal(0.78, s.Pooled);
        Assert.Equal(4, s.SiteCount);
        Assert.Equal(0.75, s.Mean, Precision);                             // 3.0 / 4
        Assert.Equal(("site-1", 0.6), (s.WorstSite, s.Worst));
        Assert.Equal(("site-4", 0.9), (s.BestSite, s.Best));
        Assert.Equal(0.3, s.Gap, Precision);                               // 0.9 − 0.6
        Assert.Equal(0.111803398874989, s.StandardDeviation, Precision);   // √((0.0225 + 0.0025 + 0.0025 + 0.0225) / 4) = √0.0125
        Assert.Equal(0.149071198499986, s.CoefficientOfVariation, Precision); // 0.1118034 / 0.75
        Assert.Equal(0.978260869565217, s.JainIndex, Precision);           // 3.0² / (4 · 2.30) = 9 / 9.2
        Assert.Equal(0.666666666666667, s.WorstToBestRatio, Precision);    // 0.6 / 0.9
        Assert.True(s.HigherIsBetter);
    }

    [Fact]
    public void Summarize_swaps_worst_and_best_when_lower_is_better()
    {
        var s = Fairness.Summarize(FourSites, "loss", higherIsBetter: false);

        Assert.Equal(("site-4", 0.9), (s.WorstSite, s.Worst));
        Assert.Equal(("site-1", 0.6), (s.BestSite, s.Best));
        Assert.Equal(0.3, s.Gap, Precision);                 // |0.6 − 0.9|
        Assert.Equal(1.5, s.WorstToBestRatio, Precision);    // 0.9 / 0.6
        Assert.False(s.HigherIsBetter);
    }

    [Fact]
    public void Summarize_gives_jain_index_one_over_n_when_one_site_has_everything()
    {
        var s = Fairness.Summarize(new Dictionary<string, double> { ["site-1"] = 1, ["site-2"] = 0, ["site-3"] = 0, ["site-4"] = 0 });

        Assert.Equal(0.25, s.JainIndex, Precision);   // 1² / (4 · 1)
        Assert.Equal(0, s.WorstToBestRatio);          // 0 / 1
        Assert.Equal("site-2", s.WorstSite);          // first of the tied zeros in site order
    }

    [Fact]
    public void Summarize_gives_perfect_fairness_for_equal_sites_and_keeps_the_first_on_ties()
    {
        var s = Fairness.Summarize(new Dictionary<string, double> { ["site-2"] = 0.5, ["site-1"] = 0.5 });

        Assert.Equal(1, s.JainIndex, Precision);
        Assert.Equal(0, s.StandardDeviation);
        Assert.Equal(0, s.CoefficientOfVariation);
        Assert.Equal(1, s.WorstToBestRatio);
        Assert.Equal("site-1", s.WorstSite);
        Assert.Equal("site-1", s.BestSite);
    }

    [Fact]
    public void Summarize_returns_NaN_where_a_measure_is_undefined()
    {
        var s = Fairness.Summarize(new Dictionary<string, double> { ["site-1"] = 0, ["site-2"] = 0 });

        Assert.Equal(0, s.Mean);
        Assert.True(double.IsNaN(s.CoefficientOfVariation));   // σ / 0
        Assert.True(double.IsNaN(s.JainIndex));                // 0 / 0
        Assert.True(double.IsNaN(s.WorstToBestRatio));         // 0 / 0
    }

    [Fact]
    public void Summarize_leaves_out_sites_whose_value_is_NaN()
    {
        var s = Fairness.Summarize(new Dictionary<string, double> { ["site-1"] = 0.6, ["site-2"] = double.NaN, ["site-3"] = 0.8 });

        Assert.Equal(2, s.SiteCount);
        Assert.Equal(0.7, s.Mean, Precision);
    }

    [Fact]
    public void Summarize_names_metric_and_round_when_no_site_has_a_value()
    {
        var e = Assert.Throws<ArgumentException>(() => Fairness.Summarize(new Dictionary<string, double>(), "dice", 3));

        Assert.StartsWith("No site has a value of 'dice' at round 3; fairness needs at least one.", e.Message);
    }

    [Fact]
    public void Summarize_of_a_run_passes_the_pooled_row_through_and_uses_the_metric_direction()
    {
        var table = new MetricTable(
        [
            new(2, "site-1", "test", "loss", 0.4),
            new(2, "site-2", "test", "loss", 0.2),
            new(2, "pooled", "test", "loss", 0.3),
            new(2, "site-1", "train", "loss", 0.1),
        ]);

        var s = Fairness.Summarize(table, "loss", 2);

        Assert.Equal(0.3, s.Pooled);
        Assert.Equal("site-1", s.WorstSite);   // the higher loss
        Assert.Equal(0.3, s.Mean, Precision);  // (0.4 + 0.2) / 2; the train row is not mixed in
    }

    [Fact]
    public void ByRound_summarises_every_round_with_site_values()
    {
        var table = new MetricTable(
        [
            new(0, "pooled", "test", "auroc", 0.5),
            new(1, "site-1", "test", "auroc", 0.6),
            new(1, "site-2", "test", "auroc", 0.8),
            new(2, "site-1", "test", "auroc", 0.7),
            new(2, "site-2", "test", "auroc", 0.75),
        ]);

        var rounds = Fairness.ByRound(table, "auroc");

        Assert.Equal([1, 2], rounds.Select(r => r.Round));
        Assert.Equal(0.2, rounds[0].Gap, Precision);    // 0.8 − 0.6
        Assert.Equal(0.05, rounds[1].Gap, Precision);   // 0.75 − 0.7
    }

    private static readonly SiteInfo[] Cohort =
    [
        new("site-1", "A", "NL", "Siemens", 3, 100, 0.3),
        new("site-2", "B", "NL", "Philips", 1.5, 50, 0.4),
        new("site-3", "C", "DE", "Siemens", 3, 80, 0.2),
        new("site-4", "D", "DE", "GE", 1.5, 30, 0.5),
        new("site-5", "E", "DE", "GE", 1.5, 30, 0.5),   // no value: left out
    ];

    [Fact]
    public void ByGroup_summarises_sites_per_country()
    {
        var groups = Fairness.ByGroup(FourSites, Cohort, SiteGrouping.Country);

        Assert.Equal(2, groups.Count);
        Assert.Equal((SiteGrouping.Country, "DE"), (groups[0].Grouping, groups[0].Group));
        Assert.Equal(["site-3", "site-4"], groups[0].Sites);
        Assert.Equal(0.8, groups[0].Mean, Precision);   // DE: (0.7 + 0.9) / 2
        Assert.Equal(("site-3", 0.7, "site-4", 0.9), (groups[0].WorstSite, groups[0].Worst, groups[0].BestSite, groups[0].Best));
        Assert.Equal("NL", groups[1].Group);
        Assert.Equal(0.7, groups[1].Mean, Precision);   // NL: (0.6 + 0.8) / 2
        Assert.Equal(("site-1", "site-2"), (groups[1].WorstSite, groups[1].BestSite));
    }

    [Fact]
    public void ByGroup_summarises_sites_per_vendor_and_field_strength()
    {
        var vendors = Fairness.ByGroup(FourSites, Cohort, SiteGrouping.Vendor);
        var fields = Fairness.ByGroup(FourSites, Cohort, SiteGrouping.FieldStrength);

        Assert.Equal(["GE", "Philips", "Siemens"], vendors.Select(g => g.Group));
        Assert.Equal(0.65, vendors[2].Mean, Precision);   // Siemens: (0.6 + 0.7) / 2
        Assert.Equal(["1.5 T", "3.0 T"], fields.Select(g => g.Group));
        Assert.Equal(0.85, fields[0].Mean, Precision);    // 1.5 T: (0.8 + 0.9) / 2
        Assert.Equal(0.65, fields[1].Mean, Precision);    // 3 T: (0.6 + 0.7) / 2
    }

    [Fact]
    public void Changes_names_who_gains_and_who_loses_from_federating()
    {
        var local = new Dictionary<string, double> { ["site-1"] = 0.6, ["site-2"] = 0.8, ["site-3"] = 0.7 };
        var federated = new Dictionary<string, double> { ["site-1"] = 0.7, ["site-2"] = 0.75, ["site-3"] = 0.71, ["site-4"] = 0.9 };

        var changes = Fairness.Changes(local, federated, tolerance: 0.02);

        Assert.Equal(["site-1", "site-2", "site-3"], changes.Select(c => c.Site));
        Assert.Equal([ChangeOutcome.Gains, ChangeOutcome.Loses, ChangeOutcome.Unchanged], changes.Select(c => c.Outcome));
        Assert.Equal(0.1, changes[0].Difference, Precision);     // 0.7 − 0.6
        Assert.Equal(-0.05, changes[1].Difference, Precision);   // 0.75 − 0.8
    }

    [Fact]
    public void Changes_counts_a_lower_loss_as_a_gain()
    {
        var changes = Fairness.Changes(
            new Dictionary<string, double> { ["site-1"] = 0.5 },
            new Dictionary<string, double> { ["site-1"] = 0.4 },
            higherIsBetter: false);

        Assert.Equal(ChangeOutcome.Gains, Assert.Single(changes).Outcome);
    }

    [Fact]
    public void Changes_rejects_a_negative_tolerance()
    {
        var e = Assert.Throws<ArgumentOutOfRangeException>(() => Fairness.Changes(FourSites, FourSites, tolerance: -0.1));

        Assert.Equal("tolerance", e.ParamName);
    }
}
