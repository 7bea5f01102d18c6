using System.Net.Security;
using System.Security.Cryptography.X509Certificates;
using Flip.Flower.Auth;
using Microsoft.Extensions.Logging;

namespace Flip.Flower.Fleet;

/// <summary>How a Flower server protects its port: TLS, optional mutual TLS, and the node allow-list (<see cref="FlowerServerHost"/>).</summary>
public sealed record FlowerServerSecurity
{
    /// <summary>The server's TLS certificate with its private key (<see cref="TlsFiles.LoadCertificateWithKey"/>), or <see langword="null"/> for plaintext HTTP/2, which is allowed on a loopback address only.</summary>
    /// <value><see langword="null"/>.</value>
    public X509Certificate2? Certificate { get; init; }

    /// <summary>When set, mutual TLS: every client must present a certificate issued by this CA, or the TLS handshake fails. Needs <see cref="Certificate"/>.</summary>
    /// <value><see langword="null"/>.</value>
    public X509Certificate2? ClientCertificateAuthority { get; init; }

    /// <summary>
    /// When set, only nodes whose signing key is on this list may call the Fleet API; others get <c>PERMISSION_DENIED</c>
    /// from the call's headers, before its body is read. Fleet API only: the legacy transport carries no node key, so a
    /// server with these keys and no Fleet service is refused (<see cref="NodeKeysNeedTheFleetApi"/>).
    /// </summary>
    /// <value><see langword="null"/>: any node with a valid signature.</value>
    public NodeAllowList? AuthorizedKeys { get; init; }

    /// <summary>Receives a warning for every refused node key (its fingerprint only).</summary>
    /// <value><see langword="null"/>.</value>
    public ILogger? Logger { get; init; }

    /// <summary>The error for authorized node keys on a server without the Fleet API (Flower's legacy transport has no node keys).</summary>
    /// <returns>The exception, exit code 2 (bad command line).</returns>
    public static FlipException NodeKeysNeedTheFleetApi() => new(
        "--authorized-keys needs the Fleet API: Flower's legacy transport carries no node keys.",
        ExitCodes.BadCommandLine,
        "drop --transport legacy, or admit nodes by certificate (--tls-client-ca)");

    /// <summary>Checks that a client certificate chains to <paramref name="authority"/> (used for mutual TLS).</summary>
    /// <param name="authority">The client CA.</param>
    /// <param name="certificate">The client's certificate, if it sent one.</param>
    /// <param name="errors">The TLS stack's verdict against the system store (ignored except for a missing certificate).</param>
    /// <returns>Whether the certificate was issued by the CA and is valid now for client authentication.</returns>
    public static bool IsIssuedBy(X509Certificate2 authority, X509Certificate2? certificate, SslPolicyErrors errors)
    {
        ArgumentNullException.ThrowIfNull(authority);
        if (certificate is null || (errors & SslPolicyErrors.RemoteCertificateNotAvailable) != 0)
        {
            return false;
        }

        using var chain = new X509Chain();
        chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        chain.ChainPolicy.CustomTrustStore.Add(authority);
        chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        chain.ChainPolicy.ApplicationPolicy.Add(new System.Security.Cryptography.Oid("1.3.6.1.5.5.7.3.2"));
        return chain.Build(certificate);
    }
}
