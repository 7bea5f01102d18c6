using Flip.Datasets.Samples;
using Flip.Datasets.Synthetic;

namespace Flip.Datasets.Tests.Samples;

public sealed class SliceSetBuilderTests
{
    private static readonly Cohort Cohort = SyntheticCohort.Flip6(new SyntheticCohortOptions { Scale = 0.04 });

    [Fact]
    public void Slices_are_the_gland_slices_with_matching_lesion_masks()
    {
        IReadOnlyList<Patient> patients = Cohort.Site("site-3").Patients.Take(5).ToList();

        SliceSet slices = SliceSetBuilder.Build(patients);

        int expectedSlices = patients.Sum(p =>
        {
            PatientImages v = p.LoadImages();
            return Enumerable.Range(0, v.Depth).Count(z => v.Gland.AsSpan(z * 64 * 64, 64 * 64).Contains((byte)1));
        });
        Assert.Equal(expectedSlices, slices.Count);
        Assert.Equal((3, 32, 32), (slices.Channels, slices.Height, slices.Width)); // cropped around the gland
        long lesionVoxels = patients.Sum(p => (long)p.LoadImages().Lesion.Count(v => v == 1));
        Assert.Equal(lesionVoxels, slices.Masks.Sum()); // every lesion voxel lies in a gland slice and inside the crop
        Assert.Equal((64, 64), (SliceSetBuilder.Build(patients, cropSize: 0).Height, SliceSetBuilder.Build(patients, cropSize: 0).Width));
        Assert.Equal(patients.Select(p => p.Key), slices.Patients.Select(p => p.Key));
        Assert.Equal(Enumerable.Range(0, 5), slices.PatientOfSlice.Distinct());
    }

    [Fact]
    public void Normalisation_removes_the_scanner_calibration_scale()
    {
        // Raw T2W at site-6 is about twice site-1's; after per-volume z-scoring both are of order 1.
        SliceSet a = SliceSetBuilder.Build(Cohort.Site("site-1").Patients.Take(3).ToList());
        SliceSet b = SliceSetBuilder.Build(Cohort.Site("site-6").Patients.Take(3).ToList());

        double Spread(SliceSet s) => Math.Sqrt(s.Images.Average(v => (double)v * v));
        Assert.InRange(Spread(a), 0.5, 2.0);
        Assert.InRange(Spread(b), 0.5, 2.0);
    }

    [Fact]
    public void Stratified_split_holds_out_both_classes_and_never_splits_a_patient()
    {
        IReadOnlyList<Patient> patients = Cohort.Site("site-1").Patients;

        var (train, test) = PatientSplit.Stratified(patients, 0.3, seed: 7);

        Assert.Equal(patients.Count, train.Count + test.Count);
        Assert.Empty(train.Intersect(test));
        // 14 positives → round(4.2) = 4 held out; 22 negatives → round(6.6) = 7.
        Assert.Equal(4, test.Count(p => p.IsCsPca));
        Assert.Equal(7, test.Count(p => !p.IsCsPca));
        Assert.Equal(test, PatientSplit.Stratified(patients, 0.3, seed: 7).Test);
    }

    [Fact]
    public void Concat_keeps_every_slice_and_renumbers_patients()
    {
        SliceSet a = SliceSetBuilder.Build(Cohort.Site("site-2").Patients.Take(2).ToList());
        SliceSet b = SliceSetBuilder.Build(Cohort.Site("site-4").Patients.Take(3).ToList());

        SliceSet both = SliceSet.Concat([a, b]);

        Assert.Equal(a.Count + b.Count, both.Count);
        Assert.Equal(5, both.Patients.Count);
        Assert.Equal(b.PatientOfSlice.Select(i => i + 2), both.PatientOfSlice.Skip(a.Count));
        Assert.Equal(b.Images, both.Images.Skip(a.Images.Length));
    }
}
