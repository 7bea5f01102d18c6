namespace Flip.Reporting.Tests;

public sealed class BootstrapTests
{
    [Theory]
    [InlineData(0.0, 1.0)]
    [InlineData(0.1, 1.4)]    // h = 4 · 0.1 = 0.4: 1 + 0.4 · (2 − 1)
    [InlineData(0.25, 2.0)]   // h = 1
    [InlineData(0.975, 4.9)]  // h = 3.9: 4 + 0.9 · (5 − 4)
    [InlineData(1.0, 5.0)]
    public void Quantile_interpolates_between_order_statistics(double p, double expected)
    {
        Assert.Equal(expected, Bootstrap.Quantile([1, 2, 3, 4, 5], p), 12);
    }

    [Fact]
    public void Percentile_of_a_constant_sample_is_that_constant()
    {
        var ci = Bootstrap.Percentile([0.7, 0.7, 0.7], Mean, seed: 7, resamples: 200);

        Assert.Equal(0.7, ci.Estimate, 12);
        Assert.Equal(0.7, ci.Lower, 12);
        Assert.Equal(0.7, ci.Upper, 12);
        Assert.Equal((0.95, 200), (ci.Level, ci.Resamples));
    }

    [Fact]
    public void Percentile_of_the_mean_of_zero_and_one_spans_zero_to_one_at_90_percent()
    {
        // Resample means are 0, 0.5, 1 with probabilities 1/4, 1/2, 1/4: the 5 % and 95 % quantiles fall in the end groups.
        var ci = Bootstrap.Percentile([0.0, 1.0], Mean, seed: 11, resamples: 2000, level: 0.9);

        Assert.Equal((0.5, 0.0, 1.0), (ci.Estimate, ci.Lower, ci.Upper));
        Assert.Equal(0.9, ci.Level);
    }

    [Fact]
    public void Percentile_is_the_same_for_the_same_seed_and_differs_for_another()
    {
        double[] dice = [0.61, 0.72, 0.55, 0.80, 0.68, 0.74, 0.49, 0.77];

        var first = Bootstrap.Percentile(dice, Mean, seed: 3, resamples: 500);
        var again = Bootstrap.Percentile(dice, Mean, seed: 3, resamples: 500);
        var other = Bootstrap.Percentile(dice, Mean, seed: 4, resamples: 500);

        Assert.Equal(first, again);
        Assert.NotEqual(first, other);
        Assert.InRange(first.Estimate, first.Lower, first.Upper);
    }

    [Fact]
    public void Percentile_leaves_out_resamples_whose_statistic_is_undefined()
    {
        // The statistic is NaN whenever a resample of two items holds the same item twice (probability 1/2).
        var ci = Bootstrap.Percentile(["a", "b"], s => s[0] == s[1] ? double.NaN : 1, seed: 5, resamples: 400);

        Assert.InRange(ci.Resamples, 1, 399);
        Assert.Equal((1.0, 1.0), (ci.Lower, ci.Upper));
    }

    [Fact]
    public void Percentile_rejects_an_empty_sample_and_a_bad_level()
    {
        Assert.Throws<ArgumentException>(() => Bootstrap.Percentile(Array.Empty<double>(), Mean, seed: 1));
        var e = Assert.Throws<ArgumentOutOfRangeException>(() => Bootstrap.Percentile([1.0], Mean, seed: 1, level: 95));
        Assert.Equal("level", e.ParamName);
    }

    [Fact]
    public void SiteAuroc_gives_each_site_its_auroc_with_an_interval_around_it()
    {
        var scores = RocTests.Patients.Concat(
        [
            new PatientScore("site-2", "q1", 1, 0.9),   // perfectly separated: every stratified resample has AUROC 1
            new PatientScore("site-2", "q2", 1, 0.7),
            new PatientScore("site-2", "q3", 0, 0.3),
            new PatientScore("site-3", "r1", 0, 0.3),   // one class: left out
        ]);

        var intervals = Bootstrap.SiteAuroc(scores, seed: 7, resamples: 300);

        Assert.Equal(["site-1", "site-2"], intervals.Keys);
        Assert.Equal(9.5 / 12, intervals["site-1"].Estimate, 12);
        Assert.InRange(intervals["site-1"].Estimate, intervals["site-1"].Lower, intervals["site-1"].Upper);
        Assert.True(intervals["site-1"].Lower < intervals["site-1"].Upper);
        Assert.Equal(new ConfidenceInterval(1, 1, 1, 0.95, 300), intervals["site-2"]);
        Assert.Equal(intervals, Bootstrap.SiteAuroc(scores, seed: 7, resamples: 300));
    }

    [Fact]
    public void SiteMean_gives_each_site_the_interval_of_its_mean_per_patient_value()
    {
        PatientValue[] dice =
        [
            new("site-1", "a", 0.7), new("site-1", "b", 0.7), new("site-1", "c", 0.7),   // constant: interval is the point
            new("site-2", "d", 0.0), new("site-2", "e", 1.0), new("site-2", "f", double.NaN),   // NaN left out: {0, 1}
            new("site-3", "g", double.NaN),   // nothing left: no interval
        ];

        var intervals = Bootstrap.SiteMean(dice, seed: 7, resamples: 2000, level: 0.9);

        Assert.Equal(["site-1", "site-2"], intervals.Keys);
        Assert.Equal(0.7, intervals["site-1"].Lower, 12);
        Assert.Equal(0.7, intervals["site-1"].Upper, 12);
        // Means of two draws from {0, 1} are 0, 0.5, 1 with probabilities 1/4, 1/2, 1/4: the 5 % and 95 % quantiles are 0 and 1.
        Assert.Equal((0.5, 0.0, 1.0), (intervals["site-2"].Estimate, intervals["site-2"].Lower, intervals["site-2"].Upper));
    }

    private static double Mean(IReadOnlyList<double> values) => values.Average();
}
