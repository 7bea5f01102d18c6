using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Flip.Datasets.DicomWeb;

namespace Flip.Datasets.Tests.DicomWeb;

/// <summary>HTTPS to a real Orthanc behind a TLS front whose certificate a test CA signed: trusted through <see cref="DicomWebOptions.CaCertificateFile"/>, refused without it.</summary>
public sealed class DicomWebTlsTests : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("flip-dicomweb-tls-").FullName;

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    [Fact]
    public async Task A_PACS_certificate_from_the_configured_CA_is_trusted_and_refused_without_it()
    {
        // Given: a CA, a server certificate for 127.0.0.1 signed by it, and Orthanc served over HTTPS with it.
        using RSA caKey = RSA.Create(2048);
        var caRequest = new CertificateRequest("CN=FLIP test hospital CA", caKey, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        caRequest.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, true));
        caRequest.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.CrlSign, true));
        using X509Certificate2 ca = caRequest.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(7));
        using RSA serverKey = RSA.Create(2048);
        var serverRequest = new CertificateRequest("CN=127.0.0.1", serverKey, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        var names = new SubjectAlternativeNameBuilder();
        names.AddIpAddress(IPAddress.Loopback);
        names.AddDnsName("localhost");
        serverRequest.CertificateExtensions.Add(names.Build());
        serverRequest.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid("1.3.6.1.5.5.7.3.1")], false));
        using X509Certificate2 server = serverRequest.Create(ca, DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(6), [1, 2, 3, 4]);
        string caPem = Path.Combine(_folder, "ca.pem");
        File.WriteAllText(caPem, ca.ExportCertificatePem() + "\n");
        using var orthanc = new OrthancServer();
        using X509Certificate2 serverWithKey = X509CertificateLoader.LoadPkcs12(server.CopyWithPrivateKey(serverKey).Export(X509ContentType.Pkcs12), null);
        using var front = new TlsProxy(serverWithKey, orthanc.HttpPort);
        var root = new Uri($"https://127.0.0.1:{front.Port}/dicom-web");
        var (user, password) = OrthancServer.CredentialVariables();
        var options = new DicomWebOptions { BaseUri = root, Auth = DicomWebAuth.Basic(user, password), MaxRetries = 1, InitialBackoff = TimeSpan.FromMilliseconds(10) };

        // When / Then: with the CA the search works (the PACS is empty).
        using (var trusting = new DicomWebClient(options with { CaCertificateFile = caPem }))
        {
            Assert.Empty(await trusting.SearchAllAsync(QidoLevel.Studies, DicomWebQuery.All));
        }

        // Without it the system trust store does not know the CA: a clear error naming the endpoint.
        using var plain = new DicomWebClient(options);
        var error = await Assert.ThrowsAsync<DicomWebException>(() => plain.SearchAllAsync(QidoLevel.Studies, DicomWebQuery.All));
        Assert.StartsWith($"DICOMweb QIDO-RS GET {root}/studies failed after 2 attempt(s): the server's TLS certificate is not trusted (", error.Message, StringComparison.Ordinal);
        Assert.Contains("caCertificate", error.Fix, StringComparison.Ordinal);
        Assert.Null(error.StatusCode);
    }
}
