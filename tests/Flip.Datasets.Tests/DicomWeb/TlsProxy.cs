using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Cryptography.X509Certificates;

namespace Flip.Datasets.Tests.DicomWeb;

/// <summary>A loopback HTTPS front for the test PACS: terminates TLS with the given certificate and relays bytes to the plain HTTP port.</summary>
/// <remarks>Debian's Orthanc 1.10.1 with <c>SslEnabled</c> starts but resets every connection after the TLS handshake (curl: "Recv failure: Connection reset by peer", TLS 1.2 and 1.3), so TLS is put in front of it as a hospital's reverse proxy would.</remarks>
public sealed class TlsProxy : IDisposable
{
    private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
    private readonly X509Certificate2 _certificate;
    private readonly int _targetPort;
    private readonly CancellationTokenSource _stop = new();

    public TlsProxy(X509Certificate2 certificate, int targetPort)
    {
        _certificate = certificate;
        _targetPort = targetPort;
        _listener.Start();
        _ = AcceptLoopAsync();
    }

    public int Port => ((IPEndPoint)_listener.LocalEndpoint).Port;

    public void Dispose()
    {
        _stop.Cancel();
        _listener.Stop();
        _stop.Dispose();
    }

    private async Task AcceptLoopAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            TcpClient client;
            try
            {
                client = await _listener.AcceptTcpClientAsync(_stop.Token);
            }
            catch (Exception e) when (e is OperationCanceledException or ObjectDisposedException or SocketException)
            {
                return;
            }

            _ = RelayAsync(client);
        }
    }

    private async Task RelayAsync(TcpClient client)
    {
        using (client)
        using (var server = new TcpClient())
        {
            try
            {
                await using var tls = new SslStream(client.GetStream());
                await tls.AuthenticateAsServerAsync(_certificate);
                await server.ConnectAsync(IPAddress.Loopback, _targetPort);
                NetworkStream plain = server.GetStream();
                await Task.WhenAny(tls.CopyToAsync(plain, _stop.Token), plain.CopyToAsync(tls, _stop.Token));
            }
            catch (Exception e) when (e is IOException or SocketException or ObjectDisposedException or OperationCanceledException or System.Security.Authentication.AuthenticationException)
            {
            }
        }
    }
}
