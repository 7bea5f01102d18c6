using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Flip.Federated.Runs;
using Flip.Flower.Auth;

namespace Flip.Flower.Fleet;

/// <summary>
/// A throw-away certificate authority for testing TLS on one machine (<c>flip-research dev-certs</c>):
/// a CA, a server certificate for <c>localhost</c>, <c>127.0.0.1</c> and <c>::1</c>, and one client
/// certificate per node for mutual TLS. All EC P-256, PEM; private keys mode 0600; every file
/// written to a temporary name and renamed.
/// </summary>
/// <remarks>Not for production: a hospital network needs certificates from the institution's own CA.</remarks>
public static class DevCertificates
{
    /// <summary>The CA certificate file name (give it to <c>client --tls-ca</c> and <c>serve --tls-client-ca</c>).</summary>
    public const string CaFileName = "ca.pem";

    /// <summary>The CA private key file name (kept so more node certificates can be issued; guard it).</summary>
    public const string CaKeyFileName = "ca-key.pem";

    /// <summary>The server certificate file name (<c>serve --tls-cert</c>).</summary>
    public const string ServerFileName = "server.pem";

    /// <summary>The server key file name (<c>serve --tls-key</c>).</summary>
    public const string ServerKeyFileName = "server-key.pem";

    private static readonly Oid ServerAuth = new("1.3.6.1.5.5.7.3.1");
    private static readonly Oid ClientAuth = new("1.3.6.1.5.5.7.3.2");

    /// <summary>The certificate file of a node (<c>client --tls-cert</c>).</summary>
    /// <param name="node">The node name, for example <c>site-1</c>.</param>
    /// <returns>For example <c>site-1.pem</c>.</returns>
    public static string NodeFileName(string node) => node + ".pem";

    /// <summary>The key file of a node (<c>client --tls-key</c>).</summary>
    /// <param name="node">The node name.</param>
    /// <returns>For example <c>site-1-key.pem</c>.</returns>
    public static string NodeKeyFileName(string node) => node + "-key.pem";

    /// <summary>Makes the CA, the server certificate and the node certificates in <paramref name="folder"/>.</summary>
    /// <param name="folder">The output folder (created). It must not already hold a <c>ca.pem</c>.</param>
    /// <param name="nodes">Node names (letters, digits, <c>-</c>, <c>_</c>, <c>.</c>).</param>
    /// <param name="validity">How long the certificates are valid.</param>
    /// <param name="time">The clock; <see langword="null"/> for the system clock.</param>
    /// <returns>The files written, in order.</returns>
    /// <exception cref="FlipException">The folder already holds certificates, or a node name is not a plain file name.</exception>
    public static IReadOnlyList<string> Write(string folder, IReadOnlyList<string> nodes, TimeSpan validity, TimeProvider? time = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(folder);
        ArgumentNullException.ThrowIfNull(nodes);
        foreach (string node in nodes)
        {
            if (node.Length == 0 || node.Any(c => !(char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.')) || node is "ca" or "server" || node.StartsWith('.'))
            {
                throw new FlipException($"--nodes: '{node}' is not usable as a node name; expected letters, digits, '-', '_' or '.' (not 'ca' or 'server').",
                    ExitCodes.BadCommandLine, "name the nodes like site-1,site-2");
            }
        }

        if (File.Exists(Path.Combine(folder, CaFileName)))
        {
            throw new FlipException($"{Path.Combine(folder, CaFileName)} already exists; refusing to replace a CA that certificates may already trust.",
                ExitCodes.BadCommandLine, "choose another --out, or delete the folder to start over");
        }

        Directory.CreateDirectory(folder);
        DateTimeOffset now = (time ?? TimeProvider.System).GetUtcNow();
        DateTimeOffset from = now.AddMinutes(-5), until = now + validity;
        var written = new List<string>();

        using ECDsa caKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var caRequest = new CertificateRequest("CN=FLIP Research development CA, O=FLIP Research (testing only)", caKey, HashAlgorithmName.SHA256);
        caRequest.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, true, 0, true));
        caRequest.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.CrlSign, true));
        caRequest.CertificateExtensions.Add(new X509SubjectKeyIdentifierExtension(caRequest.PublicKey, false));
        using X509Certificate2 ca = caRequest.CreateSelfSigned(from, until.AddDays(1));
        Save(folder, CaFileName, ca.ExportCertificatePem(), secret: false, written);
        Save(folder, CaKeyFileName, caKey.ExportPkcs8PrivateKeyPem(), secret: true, written);

        var san = new SubjectAlternativeNameBuilder();
        san.AddDnsName("localhost");
        san.AddIpAddress(IPAddress.Loopback);
        san.AddIpAddress(IPAddress.IPv6Loopback);
        Issue(ca, "CN=localhost", san.Build(), ServerAuth, from, until, folder, ServerFileName, ServerKeyFileName, written);

        foreach (string node in nodes)
        {
            var nodeSan = new SubjectAlternativeNameBuilder();
            nodeSan.AddDnsName(node);
            Issue(ca, "CN=" + node, nodeSan.Build(), ClientAuth, from, until, folder, NodeFileName(node), NodeKeyFileName(node), written);
        }

        return written;
    }

    private static void Issue(X509Certificate2 ca, string subject, X509Extension san, Oid usage, DateTimeOffset from, DateTimeOffset until,
        string folder, string certificateFile, string keyFile, List<string> written)
    {
        using ECDsa key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest(subject, key, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(false, false, 0, true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.DigitalSignature, true));
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([usage], false));
        request.CertificateExtensions.Add(san);
        request.CertificateExtensions.Add(X509AuthorityKeyIdentifierExtension.CreateFromCertificate(ca, true, false));
        byte[] serial = RandomNumberGenerator.GetBytes(16);
        serial[0] &= 0x7F;
        using X509Certificate2 certificate = request.Create(ca, from, until, serial);
        Save(folder, certificateFile, certificate.ExportCertificatePem(), secret: false, written);
        Save(folder, keyFile, key.ExportPkcs8PrivateKeyPem(), secret: true, written);
    }

    private static void Save(string folder, string name, string pem, bool secret, List<string> written)
    {
        string path = Path.Combine(folder, name);
        if (secret)
        {
            PrivateFile.WriteText(path, pem + "\n");
        }
        else
        {
            AtomicFile.WriteText(path, pem + "\n");
        }

        written.Add(path);
    }
}
