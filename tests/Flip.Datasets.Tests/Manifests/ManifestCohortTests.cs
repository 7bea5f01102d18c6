using Flip.Datasets.Manifests;

namespace Flip.Datasets.Tests.Manifests;

public sealed class ManifestCohortTests(SyntheticFolderFixture data) : IClassFixture<SyntheticFolderFixture>
{
    [Fact]
    public void The_synthetic_manifest_loads_the_written_cohort_with_the_same_sites_patients_and_labels()
    {
        Manifest manifest = Manifest.Load(data.ManifestPath);
        Cohort loaded = ManifestCohort.Load(manifest, new ManifestCohortOptions { CacheFolder = Path.Combine(data.Folder, "cache-a") });

        Assert.Equal(data.Cohort.Sites.Select(s => s.Id), loaded.Sites.Select(s => s.Id));
        Assert.Equal(data.Cohort.Sites.Select(s => s.Patients.Count), loaded.Sites.Select(s => s.Patients.Count));
        Assert.Equal(data.Cohort.Sites.Select(s => s.Vendor), loaded.Sites.Select(s => s.Vendor));
        foreach (CohortSite site in data.Cohort.Sites)
        {
            Assert.Equal(site.Patients.Select(p => p.IsupGrade).Order(), loaded.Site(site.Id).Patients.Select(p => p.IsupGrade).Order());
        }
    }

    [Fact]
    public void A_loaded_patient_has_the_written_voxels_masks_and_identity_under_a_pseudonymous_key()
    {
        Cohort loaded = ManifestCohort.Load(Manifest.Load(data.ManifestPath), new ManifestCohortOptions { CacheFolder = Path.Combine(data.Folder, "cache-b") });
        Patient original = data.Cohort.Site("site-2").Patients[1];
        Patient patient = loaded.Site("site-2").Patients.Single(p => p.Identity.PatientId == original.Identity.PatientId);

        Assert.Equal(original.Identity, patient.Identity);
        Assert.Matches("^site-2/p[0-9]{4}$", patient.Key);
        Assert.DoesNotContain(original.Identity.PatientId, patient.ToString(), StringComparison.Ordinal);
        PatientImages expected = original.LoadImages(), actual = patient.LoadImages();
        Assert.Equal(["T2W", "ADC", "DWI"], actual.ChannelNames);
        Assert.Equal((expected.Width, expected.Height, expected.Depth), (actual.Width, actual.Height, actual.Depth));
        Assert.Equal(expected.Gland, actual.Gland);
        Assert.Equal(expected.Lesion, actual.Lesion);
        for (int c = 0; c < 3; c++)
        {
            // The writer stores the phantom ×1000 as integers.
            for (int i = 0; i < expected.Channels[c].Length; i += 7)
            {
                Assert.Equal(expected.Channels[c][i] * 1000, actual.Channels[c][i], 1.0);
            }
        }
    }

    [Fact]
    public void The_series_index_is_cached_and_reused_until_a_file_changes()
    {
        Manifest manifest = Manifest.Load(data.ManifestPath);
        string cache = Path.Combine(data.Folder, "cache-c");
        var options = new ManifestCohortOptions { CacheFolder = cache };

        var first = ManifestCohort.Index(manifest, options);
        var second = ManifestCohort.Index(manifest, options);

        Assert.All(first, s => Assert.False(s.Reused));
        Assert.All(second, s => Assert.True(s.Reused));
        // T2W, ADC and DWI for every patient, and a PSMA-PET series at a PET hospital such as site-1.
        CohortSite indexed = data.Cohort.Site("site-1");
        Assert.Equal(indexed.Patients.Count * (indexed.HasPet ? 4 : 3), first[0].Index!.Series.Count);
        Assert.True(File.Exists(SeriesIndex.CacheFile(cache, "site-1")));
        Assert.Empty(Directory.GetFiles(cache, "*.tmp"));

        string touched = Directory.EnumerateFiles(Path.Combine(data.Folder, "site-3"), "*.dcm", SearchOption.AllDirectories).First();
        File.SetLastWriteTimeUtc(touched, File.GetLastWriteTimeUtc(touched).AddMinutes(1));
        var third = ManifestCohort.Index(manifest, options);
        Assert.Equal([true, true, false, true, true, true], third.Select(s => s.Reused));
    }

    [Fact]
    public void Show_counts_patients_prevalence_and_channels_per_site_without_reading_pixels()
    {
        var summaries = ManifestCohort.Summarize(Manifest.Load(data.ManifestPath), new ManifestCohortOptions { CacheFolder = Path.Combine(data.Folder, "cache-d") });

        for (int i = 0; i < summaries.Count; i++)
        {
            CohortSite site = data.Cohort.Sites[i];
            Assert.Null(summaries[i].Absent);
            Assert.Equal(site.Patients.Count, summaries[i].Patients);
            Assert.Equal(site.Patients.Count(p => p.IsCsPca), summaries[i].CsPcaPatients);
            Assert.Equal(site.Patients.Count, summaries[i].ChannelPatients["T2W"]);
            Assert.Equal(site.Patients.Count, summaries[i].ChannelPatients["DWI"]);
        }
    }
}
