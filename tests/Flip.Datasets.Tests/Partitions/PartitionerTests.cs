using Flip.Datasets.Partitions;
using Flip.Datasets.Synthetic;

namespace Flip.Datasets.Tests.Partitions;

public sealed class PartitionerTests
{
    // Full scale: 3,500 patients; 0.1 → 350, enough for label statistics. Images are never loaded here.
    private static readonly Cohort Flip6 = SyntheticCohort.Flip6(new SyntheticCohortOptions { Scale = 0.1 });

    public static TheoryData<string> Specs => ["natural", "iid", "dirichlet:0.3", "quantity:1.5", "loso:site-3"];

    [Theory]
    [MemberData(nameof(Specs))]
    public void Every_patient_lands_in_exactly_one_site_and_the_counts_add_up(string spec)
    {
        Partition partition = Partitioner.Parse(spec).Apply(Flip6, seed: 11);

        var keys = partition.Cohort.Sites.Concat(partition.HeldOut is null ? [] : [partition.HeldOut])
            .SelectMany(s => s.Patients).Select(p => p.Key).ToList();
        Assert.Equal(keys.Count, keys.Distinct().Count());
        Assert.Equal(Flip6.Sites.SelectMany(s => s.Patients).Select(p => p.Key).Order(), keys.Order());
        Assert.Equal(Flip6.PatientCount, partition.Counts.Sum(c => c.Total));
        Assert.Equal(Flip6.Sites.Sum(s => s.Patients.Count(p => p.IsCsPca)), partition.Counts.Sum(c => c.Positive));
        Assert.All(partition.Cohort.Sites.Zip(partition.Counts), x =>
        {
            Assert.Equal(x.First.Id, x.Second.SiteId);
            Assert.Equal(x.First.Patients.Count(p => p.IsCsPca), x.Second.Positive);
        });
    }

    [Theory]
    [MemberData(nameof(Specs))]
    public void The_same_seed_gives_the_same_sites_and_another_seed_does_not(string spec)
    {
        static string[][] Layout(Partition p) => [.. p.Cohort.Sites.Select(s => s.Patients.Select(x => x.Key).ToArray())];
        var a = Layout(Partitioner.Parse(spec).Apply(Flip6, 5));
        var b = Layout(Partitioner.Parse(spec).Apply(Flip6, 5));
        var c = Layout(Partitioner.Parse(spec).Apply(Flip6, 6));

        Assert.Equal(a, b);
        if (spec is "natural" or "loso:site-3")
        {
            Assert.Equal(a, c);
        }
        else
        {
            Assert.NotEqual(a, c);
        }
    }

    [Fact]
    public void Natural_keeps_the_hospitals_and_loso_holds_one_out()
    {
        Assert.Same(Flip6, Partitioner.Natural.Apply(Flip6, 1).Cohort);
        Partition loso = Partitioner.Parse("loso:site-3").Apply(Flip6, 1);
        Assert.Equal(["site-1", "site-2", "site-4", "site-5", "site-6"], loso.Cohort.Sites.Select(s => s.Id));
        Assert.Equal("site-3", loso.HeldOut!.Id);
        Assert.Equal("site-3", loso.Counts[^1].SiteId);
    }

    [Fact]
    public void Dirichlet_with_tiny_alpha_concentrates_each_class_and_large_alpha_is_as_even_as_iid()
    {
        double[] Skews(Func<int, Partition> make) => [.. Enumerable.Range(1, 10).Select(seed => make(seed).LabelSkew)];
        double overall = Flip6.Sites.Sum(s => s.Patients.Count(p => p.IsCsPca)) / (double)Flip6.PatientCount;
        double oneClassPerSite = 2 * overall * (1 - overall);

        var tinyPartitions = Enumerable.Range(1, 10).Select(seed => new DirichletLabelPartitioner(0.01) { MinPatientsPerSite = 0 }.Apply(Flip6, seed)).ToList();
        double[] tiny = [.. tinyPartitions.Select(p => p.LabelSkew)];
        double[] large = Skews(seed => new DirichletLabelPartitioner(1000).Apply(Flip6, seed));
        double[] iid = Skews(seed => new IidPartitioner().Apply(Flip6, seed));

        // Concentration: per class, the share of its patients at the site holding most of them.
        static double Concentration(Partition p) => new[] { true, false }.Average(positive =>
            p.Counts.Max(c => positive ? c.Positive : c.Negative) / (double)p.Counts.Sum(c => positive ? c.Positive : c.Negative));

        // α → 0: each class goes (almost) whole to one site.
        Assert.True(tinyPartitions.Average(Concentration) > 0.9, $"concentration {tinyPartitions.Average(Concentration):F3} at α=0.01");
        Assert.True(new DirichletLabelPartitioner(1000).Apply(Flip6, 1) is var even && Concentration(even) < 0.3, "α=1000 spreads each class over six sites");
        Assert.True(tiny.Average() > 0.5 * oneClassPerSite, $"mean skew {tiny.Average():F3} at α=0.01; maximum {oneClassPerSite:F3}");
        // α large: every site near the overall prevalence, like IID (which deals round-robin: skew only from rounding).
        Assert.True(large.Average() < 0.05, $"mean skew {large.Average():F3} at α=1000");
        Assert.True(iid.Max() < 0.02, $"IID skew {iid.Max():F3}");
        // Monotone in between.
        double middle = Enumerable.Range(1, 10).Average(seed => Concentration(new DirichletLabelPartitioner(0.3).Apply(Flip6, seed)));
        Assert.InRange(middle, Concentration(new DirichletLabelPartitioner(1000).Apply(Flip6, 1)), tinyPartitions.Average(Concentration));
        // Every site gets its minimum of patients by default.
        Assert.All(new DirichletLabelPartitioner(0.3).Apply(Flip6, 3).Counts, c => Assert.True(c.Total >= 4));
    }

    [Fact]
    public void Quantity_skew_makes_power_law_sizes_with_labels_near_iid()
    {
        Partition partition = Partitioner.Parse("quantity:1.5").Apply(Flip6, 2);
        int[] sizes = [.. partition.Counts.Select(c => c.Total)];

        Assert.Equal(sizes.OrderDescending(), sizes);
        // Shares ∝ i^-1.5 over six sites: site 1 ≈ 2.83 × site 2, ≈ 14.7 × site 6 (before the minimum of 4).
        Assert.InRange(sizes[0] / (double)sizes[1], 2.4, 3.2);
        Assert.True(partition.SizeRatio > 8, $"size ratio {partition.SizeRatio:F1}");
        Assert.True(Partitioner.Parse("iid").Apply(Flip6, 2).SizeRatio < 1.05);
        Assert.True(Partitioner.Parse("quantity:0.2").Apply(Flip6, 2).SizeRatio < partition.SizeRatio);
    }

    [Theory]
    [InlineData("dirichlet")]
    [InlineData("dirichlet:-1")]
    [InlineData("quantity:abc")]
    [InlineData("hospital")]
    [InlineData("loso:")]
    public void Bad_specs_say_what_is_expected(string spec)
    {
        var e = Assert.Throws<FlipException>(() => Partitioner.Parse(spec));
        Assert.Contains(spec, e.Message, StringComparison.Ordinal);
        Assert.Contains("expected", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void An_unreachable_minimum_is_a_clear_error()
    {
        var e = Assert.Throws<FlipException>(() => new DirichletLabelPartitioner(0.001).Apply(Flip6, 1));
        Assert.Contains("raise α", e.Message + e.Fix, StringComparison.Ordinal);
    }
}
