using Grpc.Core;
using Grpc.Core.Interceptors;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Flip.Flower.Auth;

/// <summary>
/// Refuses every Fleet API call signed by a key that is not on the server's <see cref="NodeAllowList"/>
/// with <c>PERMISSION_DENIED</c>, before the call reaches the service, and logs the key's fingerprint
/// (never anything else the node sent). Calls without auth metadata go on to the service, which
/// refuses them with <c>UNAUTHENTICATED</c> as Flower's SuperLink does.
/// </summary>
/// <param name="allowList">The authorized keys.</param>
/// <param name="logger">Receives one warning per refused call; <see langword="null"/> for none.</param>
public sealed class NodeAllowListInterceptor(NodeAllowList allowList, ILogger? logger = null) : Interceptor
{
    private const string FleetPrefix = "/flwr.proto.Fleet/";
    private readonly ILogger _logger = logger ?? NullLogger.Instance;

    /// <summary>How many calls were refused so far.</summary>
    public int Refused => _refused;

    private int _refused;

    /// <inheritdoc/>
    public override Task<TResponse> UnaryServerHandler<TRequest, TResponse>(TRequest request, ServerCallContext context, UnaryServerMethod<TRequest, TResponse> continuation)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(continuation);
        Check(context);
        return continuation(request, context);
    }

    private void Check(ServerCallContext context)
    {
        if (!context.Method.StartsWith(FleetPrefix, StringComparison.Ordinal) || context.RequestHeaders.GetValueBytes(AuthMetadata.PublicKeyKey) is not { } key)
        {
            return;
        }

        if (allowList.Contains(key, out string fingerprint))
        {
            return;
        }

        Interlocked.Increment(ref _refused);
        string method = context.Method[FleetPrefix.Length..];
        _logger.LogWarning("Refused {Method} from {Peer}: node key {Fingerprint} is not in the authorized keys ({Source})", method, context.Peer, fingerprint, allowList.Source);
        throw new RpcException(new Status(StatusCode.PermissionDenied, $"this node's public key ({fingerprint}) is not on the server's allow-list"));
    }
}
