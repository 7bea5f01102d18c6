using System.Net;
using System.Net.Sockets;
using System.Text;

namespace Flip.Datasets.Tests.DicomWeb;

/// <summary>A loopback HTTP front for the test PACS that answers its first <c>failures</c> requests with a fixed status (and closes), then relays to the real server.</summary>
public sealed class StatusFront : LoopbackFront
{
    private readonly int _failures;
    private readonly string _status;
    private int _requests;

    public StatusFront(int targetPort, int failures, string status)
        : base(targetPort)
    {
        _failures = failures;
        _status = status;
        Start();
    }

    /// <summary>Connections answered with the status so far.</summary>
    public int Refused => Math.Min(Volatile.Read(ref _requests), _failures);

    /// <summary>Connections accepted so far.</summary>
    public int Connections => Volatile.Read(ref _requests);

    protected override Task HandleAsync(TcpClient client) => HandleAsync(client, Interlocked.Increment(ref _requests) <= _failures);

    private async Task HandleAsync(TcpClient client, bool refuse)
    {
        using (client)
        {
            try
            {
                NetworkStream stream = client.GetStream();
                if (refuse)
                {
                    // Read the request head, answer with the status, close.
                    var head = new byte[64 * 1024];
                    int read = 0;
                    while (read < head.Length && !Encoding.ASCII.GetString(head, 0, read).Contains("\r\n\r\n", StringComparison.Ordinal))
                    {
                        int n = await stream.ReadAsync(head.AsMemory(read), Stopping);
                        if (n == 0) break;
                        read += n;
                    }

                    await stream.WriteAsync(Encoding.ASCII.GetBytes($"HTTP/1.1 {_status}\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"), Stopping);
                    return;
                }

                using var server = new TcpClient();
                await server.ConnectAsync(IPAddress.Loopback, TargetPort);
                NetworkStream plain = server.GetStream();
                await Task.WhenAny(stream.CopyToAsync(plain, Stopping), plain.CopyToAsync(stream, Stopping));
            }
            catch (Exception e) when (e is IOException or SocketException or ObjectDisposedException or OperationCanceledException)
            {
            }
        }
    }
}
