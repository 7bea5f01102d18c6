using System.Net;
using System.Net.Sockets;
using System.Text;

namespace Flip.Datasets.Tests.DicomWeb;

/// <summary>A loopback HTTP front for the test PACS that answers its first <c>failures</c> requests with a fixed status (and closes), then relays to the real server.</summary>
public sealed class StatusFront : IDisposable
{
    private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
    private readonly int _targetPort;
    private readonly int _failures;
    private readonly string _status;
    private readonly CancellationTokenSource _stop = new();
    private int _requests;

    public StatusFront(int targetPort, int failures, string status)
    {
        _targetPort = targetPort;
        _failures = failures;
        _status = status;
        _listener.Start();
        _ = AcceptLoopAsync();
    }

    public int Port => ((IPEndPoint)_listener.LocalEndpoint).Port;

    /// <summary>Connections answered with the status so far.</summary>
    public int Refused => Math.Min(Volatile.Read(ref _requests), _failures);

    /// <summary>Connections accepted so far.</summary>
    public int Connections => Volatile.Read(ref _requests);

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

            _ = HandleAsync(client, Interlocked.Increment(ref _requests) <= _failures);
        }
    }

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
                        int n = await stream.ReadAsync(head.AsMemory(read), _stop.Token);
                        if (n == 0) break;
                        read += n;
                    }

                    await stream.WriteAsync(Encoding.ASCII.GetBytes($"HTTP/1.1 {_status}\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"), _stop.Token);
                    return;
                }

                using var server = new TcpClient();
                await server.ConnectAsync(IPAddress.Loopback, _targetPort);
                NetworkStream plain = server.GetStream();
                await Task.WhenAny(stream.CopyToAsync(plain, _stop.Token), plain.CopyToAsync(stream, _stop.Token));
            }
            catch (Exception e) when (e is IOException or SocketException or ObjectDisposedException or OperationCanceledException)
            {
            }
        }
    }
}
