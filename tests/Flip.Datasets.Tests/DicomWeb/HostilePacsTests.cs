using Flip.Datasets.DicomWeb;
using Flip.Datasets.Manifests;
using Flip.Imaging.Dicom;

namespace Flip.Datasets.Tests.DicomWeb;

/// <summary>
/// Issue #21, finding 7: a PACS that answers with hostile UIDs (<c>../</c> in a QIDO-RS Series or SOP Instance UID, or in the
/// SOP Instance UID inside a retrieved DICOM file) must not make <c>dataset index</c> create, write or delete anything outside
/// the cache. On the code before the fix each case below wrote a folder or file beside the cache (or deleted a file there).
/// </summary>
public sealed class HostilePacsTests : IDisposable
{
    private const string Study = "1.2.826.0.1.3680043.8.498.1";
    private const string Series = "1.2.826.0.1.3680043.8.498.1.2";
    private const string Sop = "1.2.826.0.1.3680043.8.498.1.2.3";
    private readonly string _root = Directory.CreateTempSubdirectory("flip-hostile-pacs-").FullName;

    public HostilePacsTests()
    {
        // <root>/manifest.json; <root>/work/cache is the cache; <root>/work/bystander is a folder beside it that is not ours.
        Directory.CreateDirectory(Path.Combine(_root, "work", "cache"));
        Directory.CreateDirectory(Bystander);
        File.WriteAllText(Path.Combine(Bystander, "notes.part"), "a user's file");
    }

    private string Work => Path.Combine(_root, "work");

    private string Cache => Path.Combine(Work, "cache");

    private string Bystander => Path.Combine(Work, "bystander");

    public void Dispose() => Directory.Delete(_root, recursive: true);

    [Fact]
    public void A_series_UID_with_dot_dots_creates_no_folder_outside_the_cache()
    {
        // Given: the series folder <cache>/dicomweb/site-1/<study>/<series> climbs four levels up to <root>/work.
        const string hostile = "../../../../escaped-series";
        using var pacs = new HostilePacs(path => path switch
        {
            "/studies" => HostilePacs.Json(StudyObject()),
            $"/studies/{Study}/series" => HostilePacs.Json(SeriesObject(hostile)),
            _ when path.EndsWith("/instances", StringComparison.Ordinal) => HostilePacs.Json(InstanceObject(Sop)),
            _ when path.Contains("/series/", StringComparison.Ordinal) => HostilePacs.Multipart(DicomBytes(Sop)),
            _ => null,
        });

        // When
        string? skipped = IndexOnce(pacs);

        // Then
        AssertNothingOutsideTheCache();
        Assert.Equal(NotAUid(pacs, "QIDO-RS GET", "the Series Instance UID (0020,000E) of a series", 26), skipped);
        Assert.DoesNotContain(pacs.Requests, r => r.Contains("..", StringComparison.Ordinal));
    }

    [Fact]
    public void A_SOP_UID_with_dot_dots_inside_a_retrieved_file_writes_no_file_outside_the_cache()
    {
        // Given: the QIDO-RS listing is clean; the DICOM file the series retrieval returns names itself five levels up.
        const string hostile = "../../../../../escaped-file";
        using var pacs = new HostilePacs(path => path switch
        {
            "/studies" => HostilePacs.Json(StudyObject()),
            $"/studies/{Study}/series" => HostilePacs.Json(SeriesObject(Series)),
            $"/studies/{Study}/series/{Series}/instances" => HostilePacs.Json(InstanceObject(Sop)),
            $"/studies/{Study}/series/{Series}" => HostilePacs.Multipart(DicomBytes(hostile)),
            _ => null,
        });

        // When
        string? skipped = IndexOnce(pacs);

        // Then: refused; the part file it came in is removed.
        AssertNothingOutsideTheCache();
        Assert.Equal(NotAUid(pacs, "WADO-RS GET", "the SOP Instance UID (0008,0018) of a retrieved file", 27, $"/studies/{Study}/series/{Series}"), skipped);
        Assert.Empty(Directory.EnumerateFiles(Cache, "*.part", SearchOption.AllDirectories));
    }

    [Fact]
    public void A_listed_SOP_UID_with_dot_dots_is_neither_requested_nor_written()
    {
        // Given: one instance already cached, so the missing one is retrieved by itself under its listed (hostile) UID.
        const string hostile = "../../../../../escaped-listed";
        string seriesFolder = Path.Combine(Cache, DicomWebSiteResolver.CacheSubfolder, "site-1", Study, Series);
        Directory.CreateDirectory(seriesFolder);
        File.WriteAllBytes(Path.Combine(seriesFolder, Sop + ".dcm"), DicomBytes(Sop));
        using var pacs = new HostilePacs(path => path switch
        {
            "/studies" => HostilePacs.Json(StudyObject()),
            $"/studies/{Study}/series" => HostilePacs.Json(SeriesObject(Series)),
            $"/studies/{Study}/series/{Series}/instances" => HostilePacs.Json(InstanceObject(Sop), InstanceObject(hostile)),
            _ when path.StartsWith($"/studies/{Study}/series/{Series}", StringComparison.Ordinal) => HostilePacs.Multipart(DicomBytes(Sop + ".9")),
            _ => null,
        });

        // When
        string? skipped = IndexOnce(pacs);

        // Then
        AssertNothingOutsideTheCache();
        Assert.Equal(NotAUid(pacs, "QIDO-RS GET", "the SOP Instance UID (0008,0018) of an instance", 29, $"/studies/{Study}/series/{Series}/instances"), skipped);
        Assert.DoesNotContain(pacs.Requests, r => r.Contains("..", StringComparison.Ordinal));
    }

    [Fact]
    public void A_series_UID_pointing_at_a_folder_that_is_not_ours_deletes_nothing_there()
    {
        // Given: the series folder is the bystander folder, which holds a user's *.part file (the fetch clears stale *.part files).
        const string hostile = "../../../../bystander";
        using var pacs = new HostilePacs(path => path switch
        {
            "/studies" => HostilePacs.Json(StudyObject()),
            $"/studies/{Study}/series" => HostilePacs.Json(SeriesObject(hostile)),
            _ when path.EndsWith("/instances", StringComparison.Ordinal) => HostilePacs.Json(InstanceObject(Sop)),
            _ when path.Contains("/series/", StringComparison.Ordinal) => HostilePacs.Multipart(DicomBytes(Sop)),
            _ => null,
        });

        // When
        string? skipped = IndexOnce(pacs);

        // Then
        AssertNothingOutsideTheCache();
        Assert.Equal(NotAUid(pacs, "QIDO-RS GET", "the Series Instance UID (0020,000E) of a series", 21), skipped);
    }

    [Fact]
    public void A_valid_UID_from_the_PACS_is_fetched_into_the_cache()
    {
        // Given: a clean PACS (the control case: the checks let a valid series through).
        using var pacs = new HostilePacs(path => path switch
        {
            "/studies" => HostilePacs.Json(StudyObject()),
            $"/studies/{Study}/series" => HostilePacs.Json(SeriesObject(Series)),
            $"/studies/{Study}/series/{Series}/instances" => HostilePacs.Json(InstanceObject(Sop)),
            $"/studies/{Study}/series/{Series}" => HostilePacs.Multipart(DicomBytes(Sop)),
            _ => null,
        });

        // When
        IndexOnce(pacs);

        // Then
        Assert.True(File.Exists(Path.Combine(Cache, DicomWebSiteResolver.CacheSubfolder, "site-1", Study, Series, Sop + ".dcm")));
        AssertNothingOutsideTheCache();
    }

    /// <summary>Runs what <c>flip-research dataset index</c> runs on a one-site manifest whose PACS is <paramref name="pacs"/>; returns why the site was skipped.</summary>
    private string? IndexOnce(HostilePacs pacs)
    {
        string manifestPath = Path.Combine(_root, "manifest.json");
        File.WriteAllText(manifestPath, $$"""
            {
              "version": 1,
              "cohort": { "name": "Hostile PACS", "description": "A fake PACS that sends hostile UIDs." },
              "channels": [ { "name": "T2W", "required": true, "modality": "MR", "seriesDescription": "t2*" } ],
              "labels": { },
              "sites": [ { "id": "site-1", "displayName": "Hospital", "source": { "dicomweb": { "url": "{{pacs.Root}}" } } } ]
            }
            """);
        var resolver = new DicomWebSiteResolver { OptionsFor = uri => new DicomWebOptions { BaseUri = uri, MaxRetries = 0 } };
        var result = ManifestCohort.Index(Manifest.Load(manifestPath), new ManifestCohortOptions { CacheFolder = Cache, Resolvers = [resolver] });
        return Assert.Single(result).Skipped;
    }

    private static string NotAUid(HostilePacs pacs, string method, string what, int length, string path = $"/studies/{Study}/series") =>
        $"DICOMweb {method} {pacs.Root}{path}: {what} is not a DICOM UID ({length} characters); expected 1 to 64 digits and dots, no empty or zero-led component (PS3.5 §9.1). Nothing was written for it. " +
        "Fix: check the PACS: it must not send such UIDs; report it to its administrators.";

    /// <summary>Only the cache and the bystander folder (with its one file, unchanged) are in the work folder.</summary>
    private void AssertNothingOutsideTheCache()
    {
        string[] outside = [.. Directory.EnumerateFileSystemEntries(Work, "*", SearchOption.AllDirectories)
            .Where(p => !p.StartsWith(Cache + Path.DirectorySeparatorChar, StringComparison.Ordinal) && p != Cache)
            .Select(p => Path.GetRelativePath(_root, p)).Order(StringComparer.Ordinal)];
        Assert.Equal([Path.Combine("work", "bystander"), Path.Combine("work", "bystander", "notes.part")], outside);
        Assert.Equal("a user's file", File.ReadAllText(Path.Combine(Bystander, "notes.part")));
        Assert.Equal(["manifest.json", "work"], Directory.EnumerateFileSystemEntries(_root).Select(Path.GetFileName).Order(StringComparer.Ordinal));
    }

    private static (string, string, string)[] StudyObject() => [("0020000D", "UI", Study)];

    private static (string, string, string)[] SeriesObject(string uid) => [("0020000D", "UI", Study), ("0020000E", "UI", uid), ("00080060", "CS", "MR"), ("0008103E", "LO", "t2_tse_tra")];

    private static (string, string, string)[] InstanceObject(string uid) => [("0020000D", "UI", Study), ("0020000E", "UI", Series), ("00080018", "UI", uid)];

    /// <summary>A header-only MR instance whose SOP Instance UID (in the dataset and the file meta group) is <paramref name="sop"/>.</summary>
    private static byte[] DicomBytes(string sop)
    {
        var dataset = new DicomDataset();
        dataset.SetString(DicomTag.SopClassUid, DicomVR.UI, "1.2.840.10008.5.1.4.1.1.4");
        dataset.SetString(DicomTag.SopInstanceUid, DicomVR.UI, sop);
        dataset.SetString(DicomTag.StudyInstanceUid, DicomVR.UI, Study);
        dataset.SetString(DicomTag.SeriesInstanceUid, DicomVR.UI, Series);
        dataset.SetString(DicomTag.Modality, DicomVR.CS, "MR");
        using var bytes = new MemoryStream();
        DicomWriter.Write(dataset, bytes);
        return bytes.ToArray();
    }
}
