using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Cryptography.X509Certificates;

namespace Flip.Datasets.Tests.DicomWeb;

/// <summary>A loopback HTTPS front for the test PACS: terminates TLS with the given certificate and relays bytes to the plain HTTP port.</summary>
/// <remarks>Debian's Orthanc 1.10.1 with <c>SslEnabled</c> starts but resets every connection after the TLS handshake (curl: "Recv failure: Connection reset by peer", TLS 1.2 and 1.3), so TLS is put in front of it as a hospital's reverse proxy would.</remarks>
public sealed class TlsProxy : LoopbackFront
{
    private readonly X509Certificate2 _certificate;

    public TlsProxy(X509Certificate2 certificate, int targetPort)
        : base(targetPort)
    {
        _certificate = certificate;
        Start();
    }

    protected override async Task HandleAsync(TcpClient client)
    {
        using (client)
        using (var server = new TcpClient())
        {
            try
            {
                await using var tls = new SslStream(client.GetStream());
                await tls.AuthenticateAsServerAsync(_certificate);
                await server.ConnectAsync(IPAddress.Loopback, TargetPort);
                NetworkStream plain = server.GetStream();
                await Task.WhenAny(tls.CopyToAsync(plain, Stopping), plain.CopyToAsync(tls, Stopping));
            }
            catch (Exception e) when (e is IOException or SocketException or ObjectDisposedException or OperationCanceledException or System.Security.Authentication.AuthenticationException)
            {
            }
        }
    }
}
