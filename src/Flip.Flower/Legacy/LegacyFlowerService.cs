using System.Threading.Channels;
using Grpc.Core;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using W = Flip.Flower.Wire;

namespace Flip.Flower.Legacy;

/// <summary>
/// The server side of Flower's legacy transport (<c>FlowerService/Join</c>), so Flower's Python
/// clients started with <c>start_client()</c> (and <see cref="LegacyFlowerClient"/>) can join a .NET
/// server. Each joining client becomes a <see cref="LegacyClientProxy"/> that a strategy drives.
/// </summary>
/// <remarks>Host it with <see cref="Fleet.FlowerServerHost"/>. The legacy transport has no authentication.</remarks>
public sealed class LegacyFlowerService : W.FlowerService.FlowerServiceBase
{
    private readonly Channel<LegacyClientProxy> _joined = Channel.CreateUnbounded<LegacyClientProxy>();
    private readonly ILogger _logger;

    /// <summary>Creates the service.</summary>
    /// <param name="logger">Where to log; <see langword="null"/> for none.</param>
    public LegacyFlowerService(ILogger<LegacyFlowerService>? logger = null) => _logger = (ILogger?)logger ?? NullLogger.Instance;

    /// <summary>Waits for the next client to join.</summary>
    /// <param name="ct">Cancels the wait.</param>
    /// <returns>The client's proxy.</returns>
    public async Task<LegacyClientProxy> WaitForClientAsync(CancellationToken ct) => await _joined.Reader.ReadAsync(ct).ConfigureAwait(false);

    /// <summary>Takes a client that has joined (or rejoined) since the last call, without waiting.</summary>
    /// <param name="proxy">The client's proxy, when one is waiting.</param>
    /// <returns>True when a client was waiting.</returns>
    public bool TryTakeClient([System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out LegacyClientProxy? proxy) => _joined.Reader.TryRead(out proxy);

    /// <inheritdoc/>
    public override async Task Join(IAsyncStreamReader<W.ClientMessage> requestStream, IServerStreamWriter<W.ServerMessage> responseStream, ServerCallContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        var proxy = new LegacyClientProxy(context.Peer, requestStream, responseStream);
        _logger.LogInformation("Legacy client {Peer} joined", context.Peer);
        await _joined.Writer.WriteAsync(proxy, context.CancellationToken).ConfigureAwait(false);
        Status end;
        try
        {
            end = await proxy.Closed.WaitAsync(context.CancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            proxy.Abort(Status.DefaultCancelled);
            _logger.LogInformation("Legacy client {Peer} left", context.Peer);
            return;
        }

        if (end.StatusCode != StatusCode.OK)
        {
            throw new RpcException(end);
        }
    }
}
