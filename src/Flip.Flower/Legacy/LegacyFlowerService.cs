using System.Threading.Channels;
using Flip.Federated;
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
/// <remarks>Host it with <see cref="Fleet.FlowerServerHost"/>. The legacy transport has no node authentication (TLS and mutual TLS are the host's).</remarks>
public sealed class LegacyFlowerService : W.FlowerService.FlowerServiceBase
{
    private readonly Channel<LegacyClientProxy> _joined = Channel.CreateUnbounded<LegacyClientProxy>();
    private readonly ILogger _logger;

    /// <summary>Creates the service.</summary>
    /// <param name="logger">Where to log; <see langword="null"/> for none.</param>
    public LegacyFlowerService(ILogger<LegacyFlowerService>? logger = null) => _logger = (ILogger?)logger ?? NullLogger.Instance;

    /// <summary>
    /// The largest message a client may send on its stream. A larger one ends that client's stream with
    /// <c>RESOURCE_EXHAUSTED</c> as soon as its length prefix arrives, before it is read (<see cref="Fleet.FlowerServerHost"/>).
    /// </summary>
    /// <value>Flower's 512 MiB (<see cref="Fleet.FlowerChannel.MaxMessageSize"/>); <see cref="ClientMessageLimitFor"/> derives a tighter one from the model.</value>
    public int MaxClientMessageBytes { get; init; } = Fleet.FlowerChannel.MaxMessageSize;

    /// <summary>
    /// The largest client message a model allows: a <c>fit_res</c> with its parameters as float64 NPY (the widest dtype a
    /// client may answer in, as FedAvg's aggregates are), 1 KiB per array for NPY headers and framing, and 1 MiB for metrics.
    /// </summary>
    /// <param name="model">The global model.</param>
    /// <returns>The limit in bytes, at most 512 MiB.</returns>
    public static int ClientMessageLimitFor(ParameterSet model)
    {
        ArgumentNullException.ThrowIfNull(model);
        return (int)Math.Min(Fleet.FlowerChannel.MaxMessageSize, (model.ElementCount * sizeof(double)) + (model.Count * 1024L) + (1 << 20));
    }

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
