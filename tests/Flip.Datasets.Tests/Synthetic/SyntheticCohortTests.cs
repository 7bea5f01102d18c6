using Flip.Datasets.Synthetic;

namespace Flip.Datasets.Tests.Synthetic;

public sealed class SyntheticCohortTests
{
    private static readonly Cohort Default = SyntheticCohort.Flip6(new SyntheticCohortOptions { Scale = 0.04 });

    [Fact]
    public void Flip6_has_six_hospitals_in_three_countries_with_scaled_patient_counts()
    {
        Assert.Equal(["site-1", "site-2", "site-3", "site-4", "site-5", "site-6"], Default.Sites.Select(s => s.Id));
        Assert.Equal(3, Default.Sites.Count(s => s.Country == "Norway"));
        Assert.Equal(2, Default.Sites.Count(s => s.Country == "Netherlands"));
        Assert.Equal(1, Default.Sites.Count(s => s.Country == "Taiwan"));
        // Full scale 900, 450, 600, 700, 500, 350 patients × 0.04, rounded.
        Assert.Equal([36, 18, 24, 28, 20, 14], Default.Sites.Select(s => s.Patients.Count));
        Assert.Equal(3500, SyntheticCohort.Flip6Sites.Sum(s => s.FullScalePatients));
    }

    [Fact]
    public void Prevalence_follows_each_hospital_profile()
    {
        // site-1: round(36 × 0.38) = 14 positives; site-6: round(14 × 0.5) = 7.
        Assert.Equal(14, Default.Site("site-1").Patients.Count(p => p.IsCsPca));
        Assert.Equal(7, Default.Site("site-6").Patients.Count(p => p.IsCsPca));
        Assert.All(Default.Sites.SelectMany(s => s.Patients), p => Assert.Equal(p.IsupGrade >= 2, p.IsCsPca));
    }

    [Fact]
    public void The_same_seed_gives_the_same_voxels_and_another_seed_does_not()
    {
        PatientImages a = SyntheticCohort.Flip6(new SyntheticCohortOptions { Scale = 0.04 }).Site("site-2").Patients[3].LoadImages();
        PatientImages b = SyntheticCohort.Flip6(new SyntheticCohortOptions { Scale = 0.04 }).Site("site-2").Patients[3].LoadImages();
        PatientImages c = SyntheticCohort.Flip6(new SyntheticCohortOptions { Scale = 0.04, Seed = 8 }).Site("site-2").Patients[3].LoadImages();

        Assert.Equal(a.Channels[0], b.Channels[0]);
        Assert.Equal(a.Lesion, b.Lesion);
        Assert.NotEqual(a.Channels[0], c.Channels[0]);
    }

    [Fact]
    public void Lesions_lie_inside_the_gland_and_only_csPCa_patients_have_lesion_masks()
    {
        foreach (Patient patient in Default.Site("site-1").Patients)
        {
            PatientImages images = patient.LoadImages();
            int lesionVoxels = images.Lesion.Count(v => v == 1);
            Assert.Equal(patient.IsCsPca, lesionVoxels > 0);
            for (int i = 0; i < images.Lesion.Length; i++)
            {
                Assert.True(images.Lesion[i] == 0 || images.Gland[i] == 1, $"{patient.Key}: lesion voxel {i} outside the gland");
            }
        }
    }

    [Fact]
    public void A_lesion_is_dark_on_T2W_low_on_ADC_and_bright_on_DWI_relative_to_the_rest_of_the_gland()
    {
        Patient patient = Default.Site("site-1").Patients.First(p => p.IsupGrade >= 3);
        PatientImages images = patient.LoadImages();

        double Mean(int channel, bool inLesion) => Enumerable.Range(0, images.Lesion.Length)
            .Where(i => images.Gland[i] == 1 && (images.Lesion[i] == 1) == inLesion)
            .Average(i => images.Channels[channel][i]);

        Assert.True(Mean(0, true) < Mean(0, false), "T2W");
        Assert.True(Mean(1, true) < Mean(1, false), "ADC");
        Assert.True(Mean(2, true) > Mean(2, false), "DWI");
    }

    [Fact]
    public void Hospitals_look_different_after_the_scanner_model()
    {
        // site-6 calibrates T2W 2.2× higher with an offset of 0.3 compared with site-1.
        double MeanT2(string site) => Default.Site(site).Patients.Take(4).Average(p => p.LoadImages().Channels[0].Average());

        Assert.True(MeanT2("site-6") > 1.8 * MeanT2("site-1"));
    }

    [Fact]
    public void Fake_identities_exist_at_the_site_but_do_not_print()
    {
        Patient patient = Default.Site("site-6").Patients[0];

        Assert.Contains("^", patient.Identity.Name);
        Assert.StartsWith("TW6", patient.Identity.PatientId);
        Assert.InRange(patient.Identity.BirthDate.Year, 1940, 1976);
        Assert.Equal("PatientIdentity(redacted)", patient.Identity.ToString());
        Assert.Matches(@"^site-6/p\d{4}$", patient.ToString());
    }

    [Fact]
    public void Invalid_options_are_refused_with_every_problem()
    {
        var error = Assert.Throws<FlipException>(() => SyntheticCohort.Flip6(new SyntheticCohortOptions { Scale = 0, MatrixSize = 8 }));

        Assert.Equal("invalid synthetic cohort options: Scale must be in (0, 1] (got 0). MatrixSize must be between 32 and 512 voxels (got 8).", error.Message);
        Assert.Equal(ExitCodes.BadCommandLine, error.ExitCode);
    }
}
