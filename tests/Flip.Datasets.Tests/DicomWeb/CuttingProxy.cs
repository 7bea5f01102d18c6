using System.Net;
using System.Net.Sockets;

namespace Flip.Datasets.Tests.DicomWeb;

/// <summary>A loopback TCP proxy that resets a connection once <see cref="CutAfterBytes"/> bytes came from the server on it, for the first <see cref="CutConnections"/> such connections (a dropped link mid-download).</summary>
public sealed class CuttingProxy : LoopbackFront
{
    private int _cuts;

    public CuttingProxy(int targetPort, long cutAfterBytes, int cutConnections)
        : base(targetPort)
    {
        CutAfterBytes = cutAfterBytes;
        CutConnections = cutConnections;
        Start();
    }

    public long CutAfterBytes { get; }

    public int CutConnections { get; }

    /// <summary>Connections cut so far.</summary>
    public int Cuts => Volatile.Read(ref _cuts);

    protected override async Task HandleAsync(TcpClient client)
    {
        using (client)
        using (var server = new TcpClient())
        {
            try
            {
                await server.ConnectAsync(IPAddress.Loopback, TargetPort);
                using var done = CancellationTokenSource.CreateLinkedTokenSource(Stopping);
                Task<bool> up = CopyAsync(client.GetStream(), server.GetStream(), long.MaxValue, () => false, done.Token);
                Task<bool> down = CopyAsync(server.GetStream(), client.GetStream(), CutAfterBytes, () => Volatile.Read(ref _cuts) < CutConnections, done.Token);
                await Task.WhenAny(up, down);
                if (down.IsCompleted && down.Result) Interlocked.Increment(ref _cuts);
                await done.CancelAsync();
                // Reset, not a clean close: the client sees a connection reset mid-body.
                client.Client.LingerState = new LingerOption(true, 0);
            }
            catch (Exception e) when (e is IOException or SocketException or ObjectDisposedException or OperationCanceledException)
            {
            }
        }
    }

    /// <summary>Copies until the end of the stream, or until <paramref name="limit"/> bytes when <paramref name="mayCut"/> says so; true when the limit cut it.</summary>
    private static async Task<bool> CopyAsync(Stream from, Stream to, long limit, Func<bool> mayCut, CancellationToken ct)
    {
        var buffer = new byte[16 * 1024];
        long total = 0;
        try
        {
            while (total < limit || !mayCut())
            {
                int read = await from.ReadAsync(buffer.AsMemory(0, (int)Math.Min(buffer.Length, Math.Max(1, limit - total))), ct);
                if (read == 0) return false;
                await to.WriteAsync(buffer.AsMemory(0, read), ct);
                total += read;
            }

            return true;
        }
        catch (Exception e) when (e is IOException or SocketException or ObjectDisposedException or OperationCanceledException)
        {
            return false;
        }
    }
}
