using Flip.Datasets.Manifests;

namespace Flip.Datasets.Tests.Manifests;

public sealed class ManifestSplitsTests
{
    private static CohortSite Site(int positives, int negatives)
    {
        var patients = Enumerable.Range(0, positives + negatives)
            .Select(i => new Patient($"s/p{i:D4}", i < positives ? 3 : 0, new PatientIdentity("X^Y", $"H{i}", default), () => throw new InvalidOperationException()))
            .ToList();
        return new CohortSite("s", "S", "Norway", "GE", 3, false, patients);
    }

    [Fact]
    public void Ratios_put_every_patient_in_one_split_and_keep_the_prevalence_in_each()
    {
        CohortSite site = Site(20, 30);
        var rule = new SplitRule(null, new Dictionary<string, double> { ["train"] = 0.6, ["validation"] = 0.2, ["test"] = 0.2 }, 11);

        var splits = ManifestSplits.Assign(rule, site);

        Assert.Equal(site.Patients.Select(p => p.Key).Order(), splits.Keys.Order());
        var positives = site.Patients.Where(p => p.IsCsPca).GroupBy(p => splits[p.Key]).ToDictionary(g => g.Key, g => g.Count());
        var negatives = site.Patients.Where(p => !p.IsCsPca).GroupBy(p => splits[p.Key]).ToDictionary(g => g.Key, g => g.Count());
        Assert.Equal((12, 4, 4), (positives["train"], positives["validation"], positives["test"]));
        Assert.Equal((18, 6, 6), (negatives["train"], negatives["validation"], negatives["test"]));
        Assert.Equal(splits, ManifestSplits.Assign(rule, site));
        Assert.NotEqual(splits, ManifestSplits.Assign(rule with { Seed = 12 }, site));
    }

    [Fact]
    public void Lists_assign_by_hospital_patient_id_and_a_patient_in_no_list_is_an_error_named_by_key()
    {
        CohortSite site = Site(1, 2);
        var lists = new Dictionary<string, IReadOnlyList<string>> { ["train"] = ["H0", "H2"], ["test"] = ["H1"] };

        var splits = ManifestSplits.Assign(new SplitRule(lists, null, 0), site);
        Assert.Equal(["train", "test", "train"], site.Patients.Select(p => splits[p.Key]));

        lists["test"] = [];
        FlipException error = Assert.Throws<FlipException>(() => ManifestSplits.Assign(new SplitRule(lists, null, 0), site));
        Assert.Equal("site s: 1 patient(s) are in no split list (s/p0001); expected every patient in one list. Fix: add their patient ids to a list in the manifest's splits, or use ratios.", error.ToUserText());
    }
}
