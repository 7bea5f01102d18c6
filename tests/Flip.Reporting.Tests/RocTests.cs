namespace Flip.Reporting.Tests;

public sealed class RocTests
{
    // Positives score 0.9, 0.6, 0.4; negatives 0.8, 0.4, 0.2, 0.1 (one tie at 0.4).
    internal static readonly PatientScore[] Patients =
    [
        new("site-1", "p1", 1, 0.9),
        new("site-1", "p2", 0, 0.8),
        new("site-1", "p3", 1, 0.6),
        new("site-1", "p4", 1, 0.4),
        new("site-1", "p5", 0, 0.4),
        new("site-1", "p6", 0, 0.2),
        new("site-1", "p7", 0, 0.1),
    ];

    [Fact]
    public void Auroc_counts_pairs_ranked_correctly_with_ties_as_half()
    {
        // 0.9 beats 4 negatives, 0.6 beats 3, 0.4 beats 2 and ties 1: (4 + 3 + 2.5) / (3 · 4) = 9.5 / 12
        Assert.Equal(9.5 / 12, Roc.Auroc(Patients), 12);
    }

    [Fact]
    public void Auroc_is_NaN_with_one_class()
    {
        Assert.True(double.IsNaN(Roc.Auroc(Patients.Where(p => p.Label == 1))));
    }

    [Fact]
    public void Auroc_rejects_a_label_other_than_0_or_1()
    {
        var e = Assert.Throws<ArgumentException>(() => Roc.Auroc([new("site-2", "p9", 2, 0.5)]));

        Assert.StartsWith("Patient p9 at site-2 has label 2; expected 0 (no csPCa) or 1 (csPCa).", e.Message);
    }

    [Fact]
    public void Curve_moves_diagonally_through_tied_scores_and_its_area_is_the_auroc()
    {
        var curve = Roc.Curve(Patients);

        Assert.Equal(
        [
            (0.0, 0.0), (0.0, 1.0 / 3), (0.25, 1.0 / 3), (0.25, 2.0 / 3), (0.5, 1.0), (0.75, 1.0), (1.0, 1.0),
        ], curve.Select(p => (p.FalsePositiveRate, p.TruePositiveRate)));
        Assert.Equal([double.PositiveInfinity, 0.9, 0.8, 0.6, 0.4, 0.2, 0.1], curve.Select(p => p.Threshold));
        double area = curve.Zip(curve.Skip(1), (a, b) => (b.FalsePositiveRate - a.FalsePositiveRate) * (a.TruePositiveRate + b.TruePositiveRate) / 2).Sum();
        Assert.Equal(Roc.Auroc(Patients), area, 12);
    }
}
