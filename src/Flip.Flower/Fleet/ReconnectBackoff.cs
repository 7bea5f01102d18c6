using Grpc.Core;
using Microsoft.Extensions.Logging;

namespace Flip.Flower.Fleet;

/// <summary>
/// How a node waits while its server is unreachable: doubling from 1 s up to a bound, each wait a
/// jittered share U(0.5, 1) of the current back-off so nodes cut off together do not all return at
/// once, and each wait logged. Flower's nodes retry an unreachable server the same way, without a limit.
/// </summary>
public sealed class ReconnectBackoff
{
    private static readonly TimeSpan First = TimeSpan.FromSeconds(1);
    private readonly TimeSpan _max;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly string _server;
    private TimeSpan _current = First;

    /// <summary>Creates a back-off.</summary>
    /// <param name="max">The longest back-off.</param>
    /// <param name="server">The server address, for the log line.</param>
    /// <param name="logger">Where each wait is logged.</param>
    /// <param name="time">The clock; <see langword="null"/> for the system's.</param>
    public ReconnectBackoff(TimeSpan max, string server, ILogger logger, TimeProvider? time = null)
    {
        _max = max;
        _server = server ?? throw new ArgumentNullException(nameof(server));
        _logger = logger ?? throw new ArgumentNullException(nameof(logger));
        _time = time ?? TimeProvider.System;
    }

    /// <summary>
    /// Whether a failure is the server being unreachable (gRPC <c>UNAVAILABLE</c>), which waiting can cure; a TLS handshake
    /// either side refused is not (<see cref="RpcFailures.IsRefusedHandshake"/>: it would be refused again at every try).
    /// </summary>
    /// <param name="e">The failure.</param>
    /// <returns><see langword="true"/> when the call failed with <c>UNAVAILABLE</c> and not at a refused handshake.</returns>
    public static bool IsUnavailable(FlowerProtocolException e) =>
        e?.InnerException is RpcException { StatusCode: StatusCode.Unavailable } rpc && !RpcFailures.IsRefusedHandshake(rpc);

    /// <summary>Back to the first, shortest wait (after a call succeeded).</summary>
    public void Reset() => _current = First;

    /// <summary>Waits the next jittered back-off, then doubles it (up to the bound).</summary>
    /// <param name="ct">Stops waiting.</param>
    /// <returns>A task that ends after the wait.</returns>
    public async Task WaitAsync(CancellationToken ct)
    {
        TimeSpan delay = _current * (0.5 + (0.5 * Random.Shared.NextDouble()));
        _logger.LogWarning("{Server} unreachable; reconnecting in {Seconds:F1} s (back-off {Backoff} s, at most {Max} s)", _server, delay.TotalSeconds, _current.TotalSeconds, _max.TotalSeconds);
        await Task.Delay(delay, _time, ct).ConfigureAwait(false);
        _current = _current * 2 < _max ? _current * 2 : _max;
    }
}
