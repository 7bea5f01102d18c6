using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace Flip.Flower.Fleet;

/// <summary>
/// Reads the PEM files a TLS deployment is configured with (a certificate, its private key, a CA
/// certificate), with one clear error per problem: the file, what it holds, what was expected.
/// </summary>
/// <remarks>Formats: certificates as <c>-----BEGIN CERTIFICATE-----</c> PEM; keys as PKCS#8 (<c>PRIVATE KEY</c>), SEC1 (<c>EC PRIVATE KEY</c>) or PKCS#1 (<c>RSA PRIVATE KEY</c>) PEM, as <c>openssl</c> and <c>flip-research dev-certs</c> write them.</remarks>
public static class TlsFiles
{
    /// <summary>Loads a certificate and its private key, for a server (<c>serve --tls-cert/--tls-key</c>) or a client (<c>client --tls-cert/--tls-key</c>).</summary>
    /// <param name="certificatePath">The certificate PEM file (the leaf first; further certificates in the file are ignored).</param>
    /// <param name="keyPath">The private key PEM file.</param>
    /// <param name="optionNames">The command-line options naming the two files, for the error text (for example <c>--tls-cert/--tls-key</c>).</param>
    /// <returns>The certificate with its private key, usable by <see cref="System.Net.Security.SslStream"/>.</returns>
    /// <exception cref="FlipException">A file is missing or unreadable, holds no certificate/key, or the key does not belong to the certificate.</exception>
    public static X509Certificate2 LoadCertificateWithKey(string certificatePath, string keyPath, string optionNames = "--tls-cert/--tls-key")
    {
        string certificateText = ReadPem(certificatePath, "a PEM certificate (-----BEGIN CERTIFICATE-----)");
        string keyText = ReadPem(keyPath, "a PEM private key (-----BEGIN PRIVATE KEY-----)");
        using X509Certificate2 certificate = ParseCertificate(certificatePath, certificateText);
        if (!keyText.Contains("PRIVATE KEY-----", StringComparison.Ordinal))
        {
            throw new FlipException(
                $"{keyPath}: no '-----BEGIN PRIVATE KEY-----' block; expected the private key (PEM) of the certificate {certificatePath}.",
                ExitCodes.BadInput, $"give the key file that was created with the certificate as the second of {optionNames}");
        }

        X509Certificate2 withKey;
        try
        {
            withKey = X509Certificate2.CreateFromPem(certificateText, keyText);
        }
        catch (Exception e) when (e is CryptographicException or ArgumentException)
        {
            throw new FlipException(
                $"{keyPath}: the private key does not belong to the certificate {certificatePath} (subject {certificate.Subject}) or is not a readable EC/RSA key; expected the key the certificate was issued for.",
                ExitCodes.BadInput, $"give the matching pair to {optionNames}, or make a new pair with 'flip-research dev-certs' for testing", e);
        }

        // Round-trip through PKCS#12 so the key is a persisted one that every TLS stack accepts.
        using (withKey)
        {
            return X509CertificateLoader.LoadPkcs12(withKey.Export(X509ContentType.Pkcs12), null);
        }
    }

    /// <summary>Loads a CA certificate that signs peers' certificates (<c>client --tls-ca</c>, <c>serve --tls-client-ca</c>).</summary>
    /// <param name="path">The CA certificate PEM file.</param>
    /// <returns>The certificate.</returns>
    /// <exception cref="FlipException">The file is missing, unreadable or holds no certificate.</exception>
    public static X509Certificate2 LoadCertificateAuthority(string path)
    {
        string text = ReadPem(path, "a PEM CA certificate (-----BEGIN CERTIFICATE-----)");
        return ParseCertificate(path, text);
    }

    private static X509Certificate2 ParseCertificate(string path, string text)
    {
        if (!text.Contains("-----BEGIN CERTIFICATE-----", StringComparison.Ordinal))
        {
            string found = text.Contains("PRIVATE KEY-----", StringComparison.Ordinal) ? "a private key" : "no PEM certificate block";
            throw new FlipException(
                $"{path}: found {found}; expected a PEM certificate (-----BEGIN CERTIFICATE-----).",
                ExitCodes.BadInput, "check that the certificate and key file names are not swapped");
        }

        try
        {
            return X509Certificate2.CreateFromPem(text);
        }
        catch (CryptographicException e)
        {
            throw new FlipException(
                $"{path}: the -----BEGIN CERTIFICATE----- block is not a readable X.509 certificate ({e.Message.TrimEnd('.')}); expected a PEM certificate.",
                ExitCodes.BadInput, "re-export the certificate as PEM (openssl x509 -in F -out F.pem)", e);
        }
    }

    private static string ReadPem(string path, string expected)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        try
        {
            return File.ReadAllText(path);
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException)
        {
            throw new FlipException($"{path}: file not found; expected {expected}.", ExitCodes.BadInput,
                "check the path, or make test certificates with 'flip-research dev-certs --out certs'", e);
        }
        catch (Exception e) when (e is UnauthorizedAccessException or IOException)
        {
            throw new FlipException($"{path}: cannot be read ({e.Message.TrimEnd('.')}); expected {expected}.", ExitCodes.BadInput,
                "check the file's permissions for the user running flip-research", e);
        }
    }
}
