using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Flip.Flower.Auth;
using Flip.Flower.Fleet;
using Grpc.Net.Client;
using Microsoft.AspNetCore.Builder;
using RecordDict = Flip.Flower.Records.RecordDict;

namespace Flip.Flower.Tests.Fleet;

/// <summary>The Fleet API over TLS on 127.0.0.1 with a test CA, and the plaintext guard.</summary>
public sealed class TlsFleetTests
{
    private sealed class IdleApp : IFlowerApp
    {
        public Task<RecordDict> TrainAsync(FlowerInstruction instruction, CancellationToken ct) => throw new NotSupportedException();

        public Task<RecordDict> EvaluateAsync(FlowerInstruction instruction, CancellationToken ct) => throw new NotSupportedException();

        public Task<RecordDict> QueryAsync(FlowerInstruction instruction, CancellationToken ct) => throw new NotSupportedException();
    }

    private static (X509Certificate2 Ca, X509Certificate2 Server) MakeCertificates()
    {
        var now = DateTimeOffset.UtcNow;
        using ECDsa caKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var caRequest = new CertificateRequest("CN=FLIP test CA", caKey, HashAlgorithmName.SHA256);
        caRequest.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, true));
        caRequest.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.CrlSign, true));
        X509Certificate2 ca = caRequest.CreateSelfSigned(now.AddDays(-1), now.AddDays(1));

        using ECDsa serverKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest("CN=127.0.0.1", serverKey, HashAlgorithmName.SHA256);
        var san = new SubjectAlternativeNameBuilder();
        san.AddIpAddress(IPAddress.Loopback);
        request.CertificateExtensions.Add(san.Build());
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid("1.3.6.1.5.5.7.3.1")], false));
        using X509Certificate2 signed = request.Create(ca, now.AddHours(-1), now.AddHours(12), [1, 2, 3, 4]);
        X509Certificate2 server = X509CertificateLoader.LoadPkcs12(signed.CopyWithPrivateKey(serverKey).Export(X509ContentType.Pkcs12), null);
        return (ca, server);
    }

    [Fact]
    public async Task A_node_trusting_the_servers_root_ca_registers_over_tls_and_one_without_it_is_refused()
    {
        (X509Certificate2 ca, X509Certificate2 serverCert) = MakeCertificates();
        using (ca)
        using (serverCert)
        {
            var service = new FleetService();
            (WebApplication app, Uri address) = await FlowerServerHost.StartAsync(new IPEndPoint(IPAddress.Loopback, 0), serverCert, service, null, CancellationToken.None);
            try
            {
                Assert.Equal("https", address.Scheme);
                using NodeIdentity identity = NodeIdentity.Create();

                using GrpcChannel trusted = FlowerChannel.Create(address, ca);
                ulong id = await new FlowerNode(trusted.CreateCallInvoker(), identity, new IdleApp(), address.ToString()).RegisterAsync(CancellationToken.None);
                Assert.Equal([id], service.OnlineNodes());

                using GrpcChannel untrusted = FlowerChannel.Create(address);
                using NodeIdentity other = NodeIdentity.Create();
                var e = await Assert.ThrowsAsync<FlowerProtocolException>(() => new FlowerNode(untrusted.CreateCallInvoker(), other, new IdleApp(), address.ToString()).RegisterAsync(CancellationToken.None));
                Assert.Contains("RegisterNode failed with Internal: Error starting gRPC call.", e.Message, StringComparison.Ordinal);
                Assert.Equal("the server's TLS certificate is not trusted: give its root CA certificate (PEM), and check that the address's host name is in the certificate", e.Fix);
            }
            finally
            {
                await app.StopAsync();
                await app.DisposeAsync();
            }
        }
    }

    [Fact]
    public void Plaintext_to_another_machine_is_refused_before_connecting()
    {
        var e = Assert.Throws<FlowerProtocolException>(() => FlowerChannel.Create(new Uri("http://superlink.example.org:9092")));

        Assert.Equal("Flower server http://superlink.example.org:9092/: refusing a plaintext connection to a host that is not on this machine; model parameters would travel unencrypted.", e.Message);
        Assert.Equal("use an https:// address and give the server's root certificate (PEM)", e.Fix);
    }
}
