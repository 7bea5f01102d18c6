using System.Security.Cryptography;
using Flip.Datasets.DicomWeb;
using Flip.Imaging.Dicom;

namespace Flip.Datasets.Tests.DicomWeb;

/// <summary>The DICOMweb client against a real Orthanc holding a STOW-RS-uploaded slice of the synthetic cohort.</summary>
public sealed class OrthancDicomWebTests(UploadedCohort pacs) : IClassFixture<UploadedCohort>, IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("flip-dicomweb-").FullName;

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    [Fact]
    public void StoreAsync_uploads_every_file_in_batches()
    {
        Assert.Equal(36, pacs.Files.Count);
        Assert.Equal(36, pacs.StoreResult.Stored);
        Assert.Equal(4, pacs.StoreResult.Requests); // batches of 10
    }

    [Fact]
    public async Task Qido_finds_exactly_the_uploaded_studies_and_series()
    {
        using DicomWebClient client = pacs.Client();
        var studies = await client.SearchAllAsync(QidoLevel.Studies, DicomWebQuery.All);
        Assert.Equal(pacs.Instances.Select(i => i.Study).ToHashSet(), studies.Select(s => s.StudyInstanceUid!).ToHashSet());
        Assert.Equal(3, studies.Count);

        var series = await client.SearchAllAsync(QidoLevel.Series, new DicomWebQuery { Modality = "MR" });
        Assert.Equal(pacs.Instances.Select(i => i.Series).ToHashSet(), series.Select(s => s.SeriesInstanceUid!).ToHashSet());
        Assert.Equal(9, series.Count);

        UploadedCohort.Instance first = pacs.Instances[0];
        var ofPatient = await client.SearchAllAsync(QidoLevel.Studies, new DicomWebQuery
        {
            PatientId = first.PatientId,
            StudyDateFrom = new DateOnly(2025, 1, 1),
            StudyDateTo = new DateOnly(2025, 12, 31),
            IncludeFields = [DicomTag.PatientName],
        });
        Assert.Equal(first.Study, Assert.Single(ofPatient).StudyInstanceUid);
        Assert.Equal(first.PatientName, ofPatient[0].GetString(DicomTag.PatientName));
        Assert.Empty(await client.SearchAllAsync(QidoLevel.Studies, new DicomWebQuery { PatientId = first.PatientId, StudyDateTo = new DateOnly(2024, 12, 31) }));

        var t2w = await client.SearchAllAsync(QidoLevel.Series, new DicomWebQuery { StudyInstanceUid = first.Study, SeriesDescription = "t2_tse_tra" });
        Assert.Equal(pacs.Instances.Where(i => i.Study == first.Study && i.SeriesDescription == "t2_tse_tra").Select(i => i.Series).Distinct().Single(),
            Assert.Single(t2w).SeriesInstanceUid);
    }

    [Fact]
    public async Task Qido_sends_wildcards_and_carets_literally_because_Orthanc_does_not_decode_them()
    {
        UploadedCohort.Instance first = pacs.Instances[0];
        Assert.Contains("^", first.PatientName, StringComparison.Ordinal);
        string prefix = first.PatientName[..(first.PatientName.IndexOf('^', StringComparison.Ordinal) + 1)];
        Assert.Equal("PatientName=" + prefix + "*", new DicomWebQuery { MatchKeys = new Dictionary<string, string> { ["PatientName"] = prefix + "*" } }.ToQueryString());
        using DicomWebClient client = pacs.Client();
        var byName = await client.SearchAllAsync(QidoLevel.Studies, new DicomWebQuery { MatchKeys = new Dictionary<string, string> { ["PatientName"] = first.PatientName } });
        Assert.Contains(first.Study, byName.Select(s => s.StudyInstanceUid));
        var byPrefix = await client.SearchAllAsync(QidoLevel.Studies, new DicomWebQuery { MatchKeys = new Dictionary<string, string> { ["PatientName"] = prefix + "*" } });
        Assert.Equal(pacs.Instances.Where(i => i.PatientName.StartsWith(prefix, StringComparison.Ordinal)).Select(i => i.Study).ToHashSet(), byPrefix.Select(s => s.StudyInstanceUid!).ToHashSet());
        var bySeries = await client.SearchAllAsync(QidoLevel.Series, new DicomWebQuery { SeriesDescription = "ep2d_diff_*" });
        Assert.Equal(6, bySeries.Count);
    }

    [Fact]
    public async Task Qido_pages_with_limit_and_offset_until_exhausted()
    {
        using DicomWebClient client = pacs.Client(pageSize: 5);
        var instances = await client.SearchAllAsync(QidoLevel.Instances, DicomWebQuery.All);
        Assert.Equal(36, instances.Count);
        Assert.Equal(pacs.Instances.Select(i => i.Sop).ToHashSet(), instances.Select(i => i.SopInstanceUid!).ToHashSet());
        Assert.Equal("Modality=MR&limit=5&offset=10", new DicomWebQuery { Modality = "MR" }.ToQueryString(5, 10));
    }

    [Fact]
    public async Task Metadata_lists_every_instance_of_a_series_without_pixels()
    {
        UploadedCohort.Instance first = pacs.Instances[0];
        using DicomWebClient client = pacs.Client();
        var metadata = await client.GetMetadataAsync(first.Study, first.Series);
        Assert.Equal(pacs.Instances.Where(i => i.Series == first.Series).Select(i => i.Sop).ToHashSet(), metadata.Select(m => m.SopInstanceUid!).ToHashSet());
        Assert.Equal(48, metadata[0].GetInt64(new DicomTag(0x0028, 0x0010)));
    }

    [Fact]
    public async Task Wado_retrieves_series_and_instances_byte_identical_to_the_uploaded_files()
    {
        // Orthanc keeps the stored bytes and WADO-RS with transfer-syntax=* returns them unchanged.
        using DicomWebClient client = pacs.Client();
        foreach (var series in pacs.Instances.GroupBy(i => (i.Study, i.Series)).Take(2))
        {
            string folder = Path.Combine(_folder, series.Key.Series);
            DicomWebFetchResult result = await client.RetrieveSeriesAsync(series.Key.Study, series.Key.Series, folder);
            Assert.Equal(new DicomWebFetchResult(4, 0, series.Sum(i => new FileInfo(i.File).Length)), result);
            AssertIdentical(series, folder);
            // A second fetch finds everything present by SOP Instance UID and downloads nothing.
            Assert.Equal(new DicomWebFetchResult(0, 4, 0), await client.RetrieveSeriesAsync(series.Key.Study, series.Key.Series, folder));
        }

        UploadedCohort.Instance one = pacs.Instances[^1];
        string path = Path.Combine(_folder, "one.dcm");
        Assert.Equal(new FileInfo(one.File).Length, await client.RetrieveInstanceAsync(one.Study, one.Series, one.Sop, path));
        Assert.Equal(one.Sha256, Sha256(path));
    }

    [Fact]
    public async Task A_wrong_password_gives_one_clear_error_naming_the_endpoint_and_401()
    {
        var (user, password) = OrthancServer.CredentialVariables("wrong-password");
        using var client = new DicomWebClient(new DicomWebOptions { BaseUri = pacs.Orthanc.DicomWebRoot, Auth = DicomWebAuth.Basic(user, password), InitialBackoff = TimeSpan.FromMilliseconds(10) });
        var error = await Assert.ThrowsAsync<DicomWebException>(() => client.SearchAllAsync(QidoLevel.Studies, new DicomWebQuery { PatientId = pacs.Instances[0].PatientId }));
        Assert.Equal(System.Net.HttpStatusCode.Unauthorized, error.StatusCode);
        Assert.Equal(
            $"DICOMweb QIDO-RS GET {pacs.Orthanc.DicomWebRoot}/studies returned 401 Unauthorized; check the credentials in ${user} and ${password}.",
            error.Message);
        Assert.DoesNotContain(pacs.Instances[0].PatientId, error.ToUserText(), StringComparison.Ordinal);
        Assert.Equal(ExitCodes.Network, error.ExitCode);
    }

    [Fact]
    public void A_missing_credential_variable_is_named()
    {
        var error = Assert.Throws<DicomWebException>(() => new DicomWebClient(new DicomWebOptions
        {
            BaseUri = pacs.Orthanc.DicomWebRoot,
            Auth = DicomWebAuth.Bearer("FLIP_TEST_UNSET_TOKEN_VARIABLE"),
        }));
        Assert.Contains("environment variable $FLIP_TEST_UNSET_TOKEN_VARIABLE is not set", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_connection_cut_mid_download_resumes_and_ends_byte_identical()
    {
        var series = pacs.Instances.GroupBy(i => (i.Study, i.Series)).Last();
        string folder = Path.Combine(_folder, "resumed");
        long seriesBytes = series.Sum(i => new FileInfo(i.File).Length);

        // Given: the first connection is cut after about half the series; no retries allowed.
        using (var proxy = new CuttingProxy(pacs.Orthanc.HttpPort, cutAfterBytes: seriesBytes / 2, cutConnections: 1))
        using (DicomWebClient client = pacs.Client(new Uri($"http://127.0.0.1:{proxy.Port}/dicom-web"), maxRetries: 0))
        {
            var error = await Assert.ThrowsAsync<DicomWebException>(() => client.RetrieveSeriesAsync(series.Key.Study, series.Key.Series, folder));
            Assert.Contains("WADO-RS GET", error.Message, StringComparison.Ordinal);
            Assert.Equal(1, proxy.Cuts);
        }

        int kept = Directory.GetFiles(folder, "*.dcm").Length;
        Assert.InRange(kept, 1, 3);

        // When: fetched again through a proxy that cuts the next connection too, with retries.
        using (var proxy = new CuttingProxy(pacs.Orthanc.HttpPort, cutAfterBytes: seriesBytes / 3, cutConnections: 1))
        using (DicomWebClient client = pacs.Client(new Uri($"http://127.0.0.1:{proxy.Port}/dicom-web")))
        {
            DicomWebFetchResult result = await client.RetrieveSeriesAsync(series.Key.Study, series.Key.Series, folder);

            // Then: only the missing instances came, every file is byte-identical, no .part file is left.
            Assert.Equal(kept, result.Skipped);
            Assert.Equal(4 - kept, result.Fetched);
        }

        AssertIdentical(series, folder);
        Assert.Empty(Directory.GetFiles(folder, "*.part"));
    }

    private static void AssertIdentical(IEnumerable<UploadedCohort.Instance> series, string folder)
    {
        var expected = series.ToDictionary(i => i.Sop + ".dcm", i => i.Sha256);
        var actual = Directory.GetFiles(folder).ToDictionary(f => Path.GetFileName(f)!, Sha256);
        Assert.Equal(expected.OrderBy(e => e.Key), actual.OrderBy(a => a.Key));
    }

    private static string Sha256(string path) => Convert.ToHexString(SHA256.HashData(File.ReadAllBytes(path)));
}
