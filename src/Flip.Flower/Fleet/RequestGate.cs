using System.Globalization;
using System.Net.Sockets;
using System.Text;
using Flip.Flower.Auth;
using Grpc.Core;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace Flip.Flower.Fleet;

/// <summary>
/// What every call to a <see cref="FlowerServerHost"/> passes before any byte of its body is read: no request compression,
/// and, for the Fleet API, a key on the allow-list (when there is one) and a valid, fresh, never-seen signature
/// (<see cref="FleetService.Authenticate"/>). A refused call is answered from its headers alone, with a gRPC trailers-only
/// response, so a peer without a key makes the server read, inflate or allocate nothing of its body beyond what HTTP/2 flow
/// control lets in.
/// </summary>
/// <remarks>
/// <para>gRPC's own interceptors run only after the request message has been read and decompressed: with one 65 KB gzip
/// <c>RegisterNode</c> and no metadata, the server allocated 336 MB before answering <c>UNAUTHENTICATED</c>.</para>
/// <para>Flower's SuperNode and <c>start_client()</c> never compress requests (Flower 1.27 creates its channels without
/// a compression option), so refusing compression costs no compatibility; the status is the one gRPC prescribes for an
/// encoding the server does not take, <c>UNIMPLEMENTED</c>, with <c>grpc-accept-encoding: identity</c>.</para>
/// </remarks>
internal static class RequestGate
{
    /// <summary>The request path prefix of Fleet API calls.</summary>
    public const string FleetPrefix = "/flwr.proto.Fleet/";

    /// <summary>Lets the call through to <paramref name="next"/>, or answers it with a gRPC error without reading its body.</summary>
    /// <param name="http">The request.</param>
    /// <param name="next">The rest of the pipeline.</param>
    /// <param name="fleet">The Fleet service that authenticates its calls, or <see langword="null"/> when the host serves none.</param>
    /// <param name="allowList">The authorized node keys, or <see langword="null"/>.</param>
    /// <param name="logger">Receives one warning per call refused for its key (fingerprint only), or <see langword="null"/>.</param>
    /// <returns>A task that ends when the call is answered.</returns>
    public static Task InvokeAsync(HttpContext http, RequestDelegate next, FleetService? fleet, NodeAllowList? allowList, ILogger? logger)
    {
        string path = http.Request.Path.Value ?? string.Empty;
        if (fleet is null || !path.StartsWith(FleetPrefix, StringComparison.Ordinal))
        {
            return RefuseCompressedOr(http, next);
        }

        if (ReadMetadata(http.Request.Headers) is not { } headers)
        {
            return Refuse(http, StatusCode.Unauthenticated, "a binary (-bin) metadata entry is not base64");
        }

        if (allowList is not null && headers.GetValueBytes(AuthMetadata.PublicKeyKey) is { } key && !allowList.Contains(key, out string fingerprint))
        {
            logger?.LogWarning("Refused {Method} from {Peer}: node key {Fingerprint} is not in the authorized keys ({Source})",
                path[FleetPrefix.Length..], Peer(http), fingerprint, allowList.Source);
            return Refuse(http, StatusCode.PermissionDenied, $"this node's public key ({fingerprint}) is not on the server's allow-list");
        }

        try
        {
            http.Items[FleetService.CallerItem] = fleet.Authenticate(headers);
        }
        catch (RpcException e)
        {
            return Refuse(http, e.StatusCode, e.Status.Detail);
        }

        return RefuseCompressedOr(http, next);
    }

    /// <summary>Refuses a compressed call (after authentication, so a stranger still learns only that it is refused), or lets it through.</summary>
    private static Task RefuseCompressedOr(HttpContext http, RequestDelegate next)
    {
        if (http.Request.Headers.TryGetValue("grpc-encoding", out Microsoft.Extensions.Primitives.StringValues encoding)
            && !string.Equals(encoding, "identity", StringComparison.OrdinalIgnoreCase))
        {
            http.Response.Headers["grpc-accept-encoding"] = "identity";
            return Refuse(http, StatusCode.Unimplemented,
                $"request compression ({encoding}) is not accepted; send messages uncompressed, as Flower's SuperNode and start_client() do");
        }

        return next(http);
    }

    /// <summary>The call's metadata as gRPC would give it to the service: text headers as text, <c>-bin</c> headers decoded from base64.</summary>
    /// <param name="headers">The HTTP request headers.</param>
    /// <returns>Flower's <c>flwr-*</c> entries (the node's signature), or <see langword="null"/> when a binary entry is not base64.</returns>
    public static Metadata? ReadMetadata(IHeaderDictionary headers)
    {
        var metadata = new Metadata();
        try
        {
            foreach ((string key, Microsoft.Extensions.Primitives.StringValues values) in headers)
            {
                if (key.StartsWith(':') || !key.StartsWith("flwr-", StringComparison.OrdinalIgnoreCase))
                {
                    continue; // only Flower's own metadata (the node's signature) is needed
                }

                foreach (string? value in values)
                {
                    if (key.EndsWith(Metadata.BinaryHeaderSuffix, StringComparison.OrdinalIgnoreCase))
                    {
                        string padded = value!.PadRight(value.Length + ((4 - (value.Length % 4)) % 4), '=');
                        metadata.Add(key.ToLowerInvariant(), Convert.FromBase64String(padded));
                    }
                    else
                    {
                        metadata.Add(key.ToLowerInvariant(), value ?? string.Empty);
                    }
                }
            }
        }
        catch (Exception e) when (e is FormatException or ArgumentException)
        {
            return null;
        }

        return metadata;
    }

    /// <summary>A gRPC trailers-only response: HTTP 200, <c>application/grpc</c>, the status in the headers and no body.</summary>
    private static Task Refuse(HttpContext http, StatusCode code, string detail)
    {
        http.Response.StatusCode = StatusCodes.Status200OK;
        http.Response.ContentType = "application/grpc";
        http.Response.Headers["grpc-status"] = ((int)code).ToString(CultureInfo.InvariantCulture);
        http.Response.Headers["grpc-message"] = PercentEncode(detail);
        return Task.CompletedTask;
    }

    /// <summary>gRPC's <c>grpc-message</c> encoding: UTF-8, with bytes outside printable ASCII and <c>%</c> written as <c>%XX</c>.</summary>
    private static string PercentEncode(string text)
    {
        var encoded = new StringBuilder(text.Length);
        foreach (byte b in Encoding.UTF8.GetBytes(text))
        {
            if (b is >= 0x20 and <= 0x7E and not (byte)'%')
            {
                encoded.Append((char)b);
            }
            else
            {
                encoded.Append('%').Append(b.ToString("X2", CultureInfo.InvariantCulture));
            }
        }

        return encoded.ToString();
    }

    /// <summary>The peer as gRPC names it (<c>ipv4:127.0.0.1:50000</c>), for log lines.</summary>
    private static string Peer(HttpContext http)
    {
        System.Net.IPAddress? address = http.Connection.RemoteIpAddress;
        return address is null ? "unknown"
            : address.AddressFamily == AddressFamily.InterNetworkV6 ? $"ipv6:[{address}]:{http.Connection.RemotePort}"
            : $"ipv4:{address}:{http.Connection.RemotePort}";
    }
}
