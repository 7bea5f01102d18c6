using System.Net;
using Flip.Datasets.DicomWeb;

namespace Flip.Datasets.Tests.DicomWeb;

/// <summary>Retries against the real Orthanc behind a front that fails the first requests: transient statuses are retried with backoff, a 4xx is not.</summary>
public sealed class DicomWebRetryTests(UploadedCohort pacs) : IClassFixture<UploadedCohort>
{
    [Fact]
    public async Task Two_503s_are_retried_and_the_search_succeeds()
    {
        using var front = new StatusFront(pacs.Orthanc.HttpPort, failures: 2, "503 Service Unavailable");
        using DicomWebClient client = pacs.Client(new Uri($"http://127.0.0.1:{front.Port}/dicom-web"), maxRetries: 4);
        Assert.Equal(3, (await client.SearchAllAsync(QidoLevel.Studies, DicomWebQuery.All)).Count);
        Assert.Equal(2, front.Refused);
    }

    [Fact]
    public async Task A_503_that_persists_fails_after_the_retries_naming_endpoint_and_status()
    {
        using var front = new StatusFront(pacs.Orthanc.HttpPort, failures: 100, "503 Service Unavailable");
        using DicomWebClient client = pacs.Client(new Uri($"http://127.0.0.1:{front.Port}/dicom-web"), maxRetries: 2);
        var error = await Assert.ThrowsAsync<DicomWebException>(() => client.SearchAllAsync(QidoLevel.Studies, DicomWebQuery.All));
        Assert.Equal(HttpStatusCode.ServiceUnavailable, error.StatusCode);
        Assert.StartsWith($"DICOMweb QIDO-RS GET http://127.0.0.1:{front.Port}/dicom-web/studies returned 503 Service Unavailable after retries", error.Message, StringComparison.Ordinal);
        Assert.Equal(3, front.Connections); // one attempt + two retries
    }

    [Fact]
    public async Task A_4xx_is_not_retried()
    {
        using var front = new StatusFront(pacs.Orthanc.HttpPort, failures: 100, "400 Bad Request");
        using DicomWebClient client = pacs.Client(new Uri($"http://127.0.0.1:{front.Port}/dicom-web"), maxRetries: 4);
        var error = await Assert.ThrowsAsync<DicomWebException>(() => client.SearchAllAsync(QidoLevel.Studies, DicomWebQuery.All));
        Assert.Equal(HttpStatusCode.BadRequest, error.StatusCode);
        Assert.Equal(1, front.Connections);
    }
}
