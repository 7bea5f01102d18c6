using Flip.Datasets.DicomWeb;

namespace Flip.Datasets.Tests.DicomWeb;

/// <summary>Issue #21, finding 8: the client refuses to send PACS credentials over plain http to another machine (the manifest validator refuses it first).</summary>
public sealed class PlaintextCredentialsTests
{
    [Theory]
    [InlineData("http://192.0.2.10:8042/dicom-web", true)]
    [InlineData("http://pacs.example.org/dicom-web", true)]
    [InlineData("http://127.0.0.1.example.org/dicom-web", true)]
    [InlineData("https://pacs.example.org/dicom-web", false)]
    [InlineData("http://127.0.0.1:8042/dicom-web", false)]
    [InlineData("http://127.8.9.10:8042/dicom-web", false)]
    [InlineData("http://[::1]:8042/dicom-web", false)]
    [InlineData("http://localhost:8042/dicom-web", false)]
    public void Plain_http_counts_as_unencrypted_only_off_loopback(string address, bool plaintext)
    {
        Assert.Equal(plaintext, DicomWebAuth.IsPlaintextOffLoopback(new Uri(address)));
    }

    [Fact]
    public void A_client_with_credentials_for_plain_http_to_another_machine_is_refused_before_it_reads_or_sends_them()
    {
        // Given: variables that are not set, so a client that read them first would fail with another message.
        var options = new DicomWebOptions { BaseUri = new Uri("http://192.0.2.10:8042/dicom-web"), Auth = DicomWebAuth.Basic("FLIP_TEST_UNSET_PACS_USER", "FLIP_TEST_UNSET_PACS_PASSWORD") };

        // When
        DicomWebException error = Assert.Throws<DicomWebException>(() => new DicomWebClient(options));

        // Then
        Assert.Equal(
            "DICOMweb http://192.0.2.10:8042/dicom-web: the credentials in $FLIP_TEST_UNSET_PACS_USER and $FLIP_TEST_UNSET_PACS_PASSWORD would travel unencrypted over plain http to another machine; " +
            "expected an https:// address, or plain http only to this machine (127.0.0.1, [::1] or localhost). Nothing was sent. " +
            "Fix: use the PACS's https:// address (with the hospital's CA certificate: manifest \"caCertificate\" or --ca-cert).", error.ToUserText());
        Assert.Equal(ExitCodes.BadInput, error.ExitCode);
        Assert.Throws<DicomWebException>(() => new DicomWebClient(options with { Auth = DicomWebAuth.Bearer("FLIP_TEST_UNSET_PACS_TOKEN") }));
    }

    [Fact]
    public async Task A_PACS_that_redirects_does_not_get_the_credentials_forwarded_to_the_new_address()
    {
        // Given: a PACS that redirects the study search to another server (here another loopback port, standing in for another host)
        using var elsewhere = new HostilePacs(path => path == "/studies" ? HostilePacs.Json([("0020000D", "UI", "1.2.3")]) : null);
        using var pacs = new HostilePacs(path => path == "/studies" ? HostilePacs.Redirect($"{elsewhere.Root}/studies") : null);
        (string user, string password) = OrthancServer.CredentialVariables();
        using var client = new DicomWebClient(new DicomWebOptions { BaseUri = pacs.Root, Auth = DicomWebAuth.Basic(user, password) });

        // When
        var studies = await client.SearchAllAsync(QidoLevel.Studies, DicomWebQuery.All);

        // Then: the first server got the credentials, the redirect target did not (.NET drops Authorization on a redirect)
        Assert.Equal("1.2.3", Assert.Single(studies).StudyInstanceUid);
        Assert.Contains("Authorization: Basic ", Assert.Single(pacs.Heads), StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("Authorization", Assert.Single(elsewhere.Heads), StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public async Task A_client_without_credentials_may_use_plain_http_and_one_with_them_may_use_loopback()
    {
        // Given: a loopback PACS that answers the study search.
        using var pacs = new HostilePacs(path => path == "/studies" ? HostilePacs.Json([("0020000D", "UI", "1.2.3")]) : null);
        (string user, string password) = OrthancServer.CredentialVariables();

        // When: credentials over loopback http, and none over http to an address that is not loopback (nothing is sent there).
        using var loopback = new DicomWebClient(new DicomWebOptions { BaseUri = new Uri($"http://localhost:{pacs.Port}/dicom-web"), Auth = DicomWebAuth.Basic(user, password) });
        var studies = await loopback.SearchAllAsync(QidoLevel.Studies, DicomWebQuery.All);
        using var anonymous = new DicomWebClient(new DicomWebOptions { BaseUri = new Uri("http://192.0.2.10:8042/dicom-web") });

        // Then
        Assert.Equal("1.2.3", Assert.Single(studies).StudyInstanceUid);
    }
}
