using System.Net;
using System.Net.Security;
using System.Security.Cryptography.X509Certificates;
using Grpc.Net.Client;
using Microsoft.Extensions.Logging;

namespace Flip.Flower.Fleet;

/// <summary>Creates gRPC channels the way Flower configures them: 512 MiB messages both ways, TLS with an optional custom root CA, plaintext only to this machine.</summary>
public static class FlowerChannel
{
    /// <summary>Flower's maximum gRPC message size: 536,870,912 bytes.</summary>
    public const int MaxMessageSize = 536_870_912;

    /// <summary>Creates a channel to a Flower server.</summary>
    /// <param name="address"><c>https://host:port</c>, or <c>http://127.0.0.1:port</c> (plaintext; loopback only, with a warning).</param>
    /// <param name="rootCertificate">The CA that signed the server's certificate (Flower's <c>--root-certificates</c>), or <see langword="null"/> to use the system's trust store.</param>
    /// <param name="logger">Receives the plaintext warning; <see langword="null"/> for none.</param>
    /// <returns>The channel; dispose it after the node stops.</returns>
    /// <exception cref="FlowerProtocolException">A plaintext address that is not loopback.</exception>
    public static GrpcChannel Create(Uri address, X509Certificate2? rootCertificate = null, ILogger? logger = null) =>
        CreateWithClientCertificate(address, rootCertificate, null, logger);

    /// <summary>Creates a channel to a Flower server, presenting a client certificate when the server asks for one (mutual TLS).</summary>
    /// <param name="address"><c>https://host:port</c>, or <c>http://127.0.0.1:port</c> (plaintext; loopback only, with a warning).</param>
    /// <param name="rootCertificate">The CA that signed the server's certificate, or <see langword="null"/> for the system's trust store.</param>
    /// <param name="clientCertificate">This node's certificate with its private key (<see cref="TlsFiles.LoadCertificateWithKey"/>), or <see langword="null"/>.</param>
    /// <param name="logger">Receives the plaintext warning; <see langword="null"/> for none.</param>
    /// <returns>The channel; dispose it after the node stops.</returns>
    /// <exception cref="FlowerProtocolException">A plaintext address that is not loopback.</exception>
    /// <exception cref="FlipException">TLS files given with a plaintext address.</exception>
    public static GrpcChannel CreateWithClientCertificate(Uri address, X509Certificate2? rootCertificate, X509Certificate2? clientCertificate, ILogger? logger)
    {
        ArgumentNullException.ThrowIfNull(address);
        if (address.Scheme == Uri.UriSchemeHttp && (rootCertificate is not null || clientCertificate is not null))
        {
            throw new FlipException($"Flower server {address}: TLS files were given but the address is plaintext http://.", ExitCodes.BadCommandLine,
                $"use https://{address.Authority}");
        }

        SocketsHttpHandler? handler = null;
        if (address.Scheme == Uri.UriSchemeHttp)
        {
            if (!address.IsLoopback && !(IPAddress.TryParse(address.Host, out IPAddress? ip) && IPAddress.IsLoopback(ip)))
            {
                throw FlowerProtocolException.InsecureRemote(address);
            }

            logger?.LogWarning("Connecting to {Address} without TLS; acceptable on this machine only", address);
        }
        else if (rootCertificate is not null)
        {
            handler = TrustingHandler(rootCertificate);
        }
        else if (clientCertificate is not null)
        {
            handler = new SocketsHttpHandler { EnableMultipleHttp2Connections = true, SslOptions = new SslClientAuthenticationOptions() };
        }

        if (clientCertificate is not null)
        {
            handler!.SslOptions.ClientCertificates = [clientCertificate];
        }

        return GrpcChannel.ForAddress(address, new GrpcChannelOptions
        {
            MaxReceiveMessageSize = MaxMessageSize,
            MaxSendMessageSize = MaxMessageSize,
            HttpHandler = handler,
            DisposeHttpClient = true,
        });
    }

    /// <summary>An HTTP handler that accepts exactly the server certificates chaining to <paramref name="rootCertificate"/> (and matching the host name).</summary>
    /// <param name="rootCertificate">The CA certificate.</param>
    /// <returns>The handler.</returns>
    public static SocketsHttpHandler TrustingHandler(X509Certificate2 rootCertificate)
    {
        ArgumentNullException.ThrowIfNull(rootCertificate);
        return new SocketsHttpHandler
        {
            EnableMultipleHttp2Connections = true,
            SslOptions = new SslClientAuthenticationOptions
            {
                RemoteCertificateValidationCallback = (_, certificate, _, errors) =>
                {
                    if (certificate is null || (errors & SslPolicyErrors.RemoteCertificateNameMismatch) != 0 || (errors & SslPolicyErrors.RemoteCertificateNotAvailable) != 0)
                    {
                        return false;
                    }

                    using var chain = new X509Chain();
                    chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
                    chain.ChainPolicy.CustomTrustStore.Add(rootCertificate);
                    chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
                    using var server = new X509Certificate2(certificate);
                    return chain.Build(server);
                },
            },
        };
    }
}
