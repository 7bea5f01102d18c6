using System.Security.Authentication;
using Grpc.Core;

namespace Flip.Flower.Fleet;

/// <summary>Turns gRPC failures into one-line <see cref="FlowerProtocolException"/>s with a fix.</summary>
internal static class RpcFailures
{
    public const string UntrustedCertificateFix =
        "the server's TLS certificate is not trusted: give its root CA certificate (PEM), and check that the address's host name is in the certificate";

    public static FlowerProtocolException From(RpcException e, string server, string method, string defaultPort) =>
        FlowerProtocolException.CallFailed(server, method, e.StatusCode.ToString(), e.Status.Detail, FixFor(e, defaultPort), e);

    /// <summary>
    /// Whether the connection's TLS handshake was refused: by this side (an untrusted server certificate) or by the
    /// server, which closed the connection while it was being set up (mutual TLS without a client certificate it
    /// accepts). Waiting cures neither, unlike a server that is not listening yet.
    /// </summary>
    /// <param name="e">The failed call.</param>
    /// <returns>Whether the handshake was refused.</returns>
    public static bool IsRefusedHandshake(RpcException e)
    {
        for (Exception? x = e.Status.DebugException; x is not null; x = x.InnerException)
        {
            if (x is AuthenticationException
                || (x is IOException && (x.InnerException is ObjectDisposedException { ObjectName: "System.Net.Security.SslStream" } || x.Message.Contains("HTTP/2 handshake", StringComparison.Ordinal))))
            {
                return true;
            }
        }

        return false;
    }

    public static string? FixFor(RpcException e, string defaultPort)
    {
        if (e.Status.DebugException?.GetBaseException() is AuthenticationException)
        {
            return UntrustedCertificateFix;
        }

        if (IsRefusedHandshake(e))
        {
            return "the server closed the connection while it was being set up: it may require a client certificate (mutual TLS; give the node's --tls-cert/--tls-key), or the port does not serve TLS";
        }

        return e.StatusCode switch
        {
            StatusCode.Unavailable => $"check the server address and port ({defaultPort}), that the server is running, and the TLS settings",
            StatusCode.Unauthenticated => "check the node's clock (the signed timestamp must be within 5 s ahead / 305 s behind the server) and that the server accepts this node's key",
            StatusCode.PermissionDenied => "the server refused this node or run (not on the allow-list, or the run is not running); ask the server's operator",
            StatusCode.FailedPrecondition => "the server does not know this node or run; restart the node to register again",
            StatusCode.InvalidArgument => "the server refused the request's content; check the heartbeat interval (10–1800 s) and that both sides run Flower 1.27-compatible versions",
            StatusCode.DeadlineExceeded => "the server was too slow to answer; check the network",
            StatusCode.Unimplemented => "the server does not offer this API: check the port (Fleet API 9092, legacy start_server 8080) and the transport",
            _ => null,
        };
    }
}
