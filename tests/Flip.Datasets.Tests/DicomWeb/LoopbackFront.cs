using System.Net;
using System.Net.Sockets;

namespace Flip.Datasets.Tests.DicomWeb;

/// <summary>A loopback TCP listener that hands every accepted connection to <see cref="HandleAsync"/>: the shared part of the
/// test fronts put between the DICOMweb client and Orthanc (cutting, status and TLS fronts).</summary>
public abstract class LoopbackFront : IDisposable
{
    private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
    private readonly CancellationTokenSource _stop = new();

    protected LoopbackFront(int targetPort) => TargetPort = targetPort;

    public int Port => ((IPEndPoint)_listener.LocalEndpoint).Port;

    /// <summary>The port of the real server behind the front.</summary>
    protected int TargetPort { get; }

    /// <summary>Cancelled when the front is disposed.</summary>
    protected CancellationToken Stopping => _stop.Token;

    public void Dispose()
    {
        _stop.Cancel();
        _listener.Stop();
        _stop.Dispose();
        GC.SuppressFinalize(this);
    }

    /// <summary>Starts listening; a derived constructor calls it once its own fields are set.</summary>
    protected void Start()
    {
        _listener.Start();
        _ = AcceptLoopAsync();
    }

    /// <summary>Serves one accepted connection (and disposes it).</summary>
    protected abstract Task HandleAsync(TcpClient client);

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

            _ = HandleAsync(client);
        }
    }
}
