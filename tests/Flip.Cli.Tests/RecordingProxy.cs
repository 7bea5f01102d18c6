using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;

namespace Flip.Cli.Tests;

/// <summary>A loopback TCP proxy that forwards to a server port and keeps a copy of every byte in both directions: what a network tap between a hospital and the coordinator would see.</summary>
internal sealed class RecordingProxy : IAsyncDisposable
{
    private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
    private readonly int _target;
    private readonly CancellationTokenSource _stop = new();
    private readonly ConcurrentBag<Task> _pumps = [];
    private readonly ConcurrentQueue<(string Direction, int Connection, MemoryStream Bytes)> _captures = new();
    private readonly Task _accepting;
    private int _connections;

    public RecordingProxy(int targetPort)
    {
        _target = targetPort;
        _listener.Start();
        _accepting = AcceptAsync();
    }

    public int Port => ((IPEndPoint)_listener.LocalEndpoint).Port;

    public int Connections => _connections;

    /// <summary>The captured streams, one per connection and direction.</summary>
    public IEnumerable<(string Name, byte[] Bytes)> Captures =>
        _captures.Select(c => ($"tcp connection {c.Connection} {c.Direction}", Snapshot(c.Bytes)));

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        _listener.Stop();
        await _accepting.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        await Task.WhenAll(_pumps).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        _stop.Dispose();
    }

    private static byte[] Snapshot(MemoryStream stream)
    {
        lock (stream)
        {
            return stream.ToArray();
        }
    }

    private async Task AcceptAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            TcpClient client = await _listener.AcceptTcpClientAsync(_stop.Token);
            int id = Interlocked.Increment(ref _connections);
            _pumps.Add(Task.Run(() => ForwardAsync(client, id)));
        }
    }

    private async Task ForwardAsync(TcpClient client, int id)
    {
        using (client)
        using (var server = new TcpClient())
        {
            try
            {
                await server.ConnectAsync(IPAddress.Loopback, _target, _stop.Token);
            }
            catch (SocketException)
            {
                return; // the server is not up yet: the node sees a refused connection and retries.
            }

            var up = new MemoryStream();
            var down = new MemoryStream();
            _captures.Enqueue(("node→server", id, up));
            _captures.Enqueue(("server→node", id, down));
            NetworkStream a = client.GetStream(), b = server.GetStream();
            Task one = PumpAsync(a, b, up), two = PumpAsync(b, a, down);
            await Task.WhenAny(one, two);
            client.Close();
            server.Close();
            await Task.WhenAll(one, two).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        }
    }

    private async Task PumpAsync(Stream from, Stream to, MemoryStream copy)
    {
        byte[] buffer = new byte[1 << 16];
        try
        {
            int n;
            while ((n = await from.ReadAsync(buffer, _stop.Token)) > 0)
            {
                lock (copy)
                {
                    copy.Write(buffer, 0, n);
                }

                await to.WriteAsync(buffer.AsMemory(0, n), _stop.Token);
            }
        }
        catch (Exception e) when (e is IOException or OperationCanceledException or ObjectDisposedException)
        {
            // The other side closed.
        }
    }
}
