using Flip.Datasets.DicomWeb;
using Flip.Datasets.Manifests;

namespace Flip.Datasets.Tests.DicomWeb;

/// <summary>A manifest site whose source is the Orthanc: the loader reads it through the DICOMweb resolver and the cache.</summary>
public sealed class DicomWebSiteResolverTests(UploadedCohort pacs) : IClassFixture<UploadedCohort>, IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("flip-dicomweb-site-").FullName;

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    [Fact]
    public void A_DICOMweb_site_loads_through_the_cache_and_a_second_load_fetches_nothing()
    {
        // Given: a manifest whose site-1 is the PACS (images) with its masks in a local annotation folder, and a cache folder.
        string manifestPath = UploadedCohort.WritePacsManifest(Path.Combine(_folder, "pacs.json"), Path.Combine(pacs.Source, "labels.csv"), "site-1",
            pacs.Orthanc.DicomWebRoot, pacs.UserVariable, pacs.PasswordVariable, masksFolder: Path.Combine(pacs.Source, "site-1"));
        Manifest manifest = Manifest.Load(manifestPath);
        var fetches = new List<DicomWebFetchResult>();
        var resolver = new DicomWebSiteResolver { Progress = new SynchronousProgress(fetches) };
        var options = new ManifestCohortOptions { CacheFolder = Path.Combine(_folder, "cache"), Resolvers = [resolver] };

        // When
        Cohort cohort = ManifestCohort.Load(manifest, options);

        // Then: the three uploaded patients, all channels, images on the uploaded grid; files keyed by SOP Instance UID.
        CohortSite site = Assert.Single(cohort.Sites);
        Assert.Equal(3, site.Patients.Count);
        Assert.Equal(pacs.Instances.Select(i => i.PatientId).ToHashSet(), site.Patients.Select(p => p.Identity.PatientId).ToHashSet());
        PatientImages images = site.Patients[0].LoadImages();
        Assert.Equal((48, 48, 4), (images.Width, images.Height, images.Depth));
        Assert.Equal(3, images.Channels.Count);
        // The masks come from the local folder, voxel for voxel the ones written beside the uploaded series.
        string patientFolder = Path.Combine(pacs.Source, "site-1", site.Patients[0].Identity.PatientId);
        Assert.Equal(Flip.Imaging.Nifti.NiftiFile.Read(Path.Combine(patientFolder, "gland.nii.gz")).Voxels.Select(v => v > 0.5f ? (byte)1 : (byte)0), images.Gland);
        Assert.Contains(images.Gland, v => v == 1);
        Assert.Equal(new DicomWebFetchResult(36, 0, pacs.Instances.Sum(i => new FileInfo(i.File).Length)), Assert.Single(fetches));
        foreach (UploadedCohort.Instance instance in pacs.Instances)
        {
            Assert.True(File.Exists(Path.Combine(_folder, "cache", "dicomweb", "site-1", instance.Study, instance.Series, instance.Sop + ".dcm")), instance.Sop);
        }

        // A second load only asks QIDO-RS; every instance is found in the cache.
        ManifestCohort.Load(manifest, options);
        Assert.Equal(new DicomWebFetchResult(0, 36, 0), fetches[1]);
    }

    private sealed class SynchronousProgress(List<DicomWebFetchResult> results) : IProgress<(string SiteId, DicomWebFetchResult Result)>
    {
        public void Report((string SiteId, DicomWebFetchResult Result) value) => results.Add(value.Result);
    }
}
