using System.Net;
using Microsoft.AspNetCore.Server.Kestrel.Https;

namespace Flip.Flower.Fleet;

/// <summary>The server side of "plaintext only on this machine", and Kestrel's TLS settings for a <see cref="FlowerServerSecurity"/>.</summary>
internal static class ServerTransportGuard
{
    public static void Check(FlowerServerSecurity security, IPEndPoint endpoint, bool fleet)
    {
        if (security.AuthorizedKeys is not null && !fleet)
        {
            throw FlowerServerSecurity.NodeKeysNeedTheFleetApi();
        }

        if (security.Certificate is null && !IPAddress.IsLoopback(endpoint.Address))
        {
            throw new FlipException(
                $"Refusing to serve without TLS on {endpoint}, an address other machines can reach; model parameters and node keys would travel unencrypted.",
                ExitCodes.BadCommandLine,
                "give --tls-cert and --tls-key (make test ones with 'flip-research dev-certs --out certs'), or listen on 127.0.0.1");
        }

        if (security.Certificate is null && security.ClientCertificateAuthority is not null)
        {
            throw new FlipException("Mutual TLS (--tls-client-ca) needs the server's own certificate.", ExitCodes.BadCommandLine, "give --tls-cert and --tls-key as well");
        }
    }

    public static HttpsConnectionAdapterOptions HttpsOptions(FlowerServerSecurity security)
    {
        var options = new HttpsConnectionAdapterOptions { ServerCertificate = security.Certificate };
        if (security.ClientCertificateAuthority is { } authority)
        {
            options.ClientCertificateMode = ClientCertificateMode.RequireCertificate;
            options.ClientCertificateValidation = (certificate, _, errors) => FlowerServerSecurity.IsIssuedBy(authority, certificate, errors);
        }

        return options;
    }
}
