using System.Security.Cryptography;
using System.Text;

namespace Flip.Flower.Auth;

/// <summary>
/// A short, log-safe name for a node's public key: <c>SHA256:</c> and the unpadded base64 of the
/// SHA-256 of the key's SubjectPublicKeyInfo DER, the form OpenSSH prints fingerprints in.
/// </summary>
/// <remarks>
/// Reproduce it with OpenSSL from a PEM public key:
/// <c>openssl pkey -pubin -in node.pub -outform DER | openssl dgst -sha256 -binary | base64 | tr -d =</c>.
/// (OpenSSH's own <c>ssh-keygen -lf</c> hashes its wire format instead, so its value differs.)
/// </remarks>
public static class KeyFingerprint
{
    /// <summary>The fingerprint of a SubjectPublicKeyInfo in DER.</summary>
    /// <param name="subjectPublicKeyInfo">The DER bytes.</param>
    /// <returns>For example <c>SHA256:q0lT…</c> (50 characters).</returns>
    public static string OfDer(ReadOnlySpan<byte> subjectPublicKeyInfo) =>
        "SHA256:" + Convert.ToBase64String(SHA256.HashData(subjectPublicKeyInfo)).TrimEnd('=');

    /// <summary>The fingerprint of a PEM public key (the <c>flwr-public-key-bin</c> value).</summary>
    /// <param name="publicKeyPem">PEM text bytes.</param>
    /// <param name="fingerprint">The fingerprint, when the key reads.</param>
    /// <returns>Whether the bytes hold a readable PEM public key.</returns>
    public static bool TryOfPem(ReadOnlySpan<byte> publicKeyPem, out string fingerprint)
    {
        fingerprint = string.Empty;
        if (!TryReadDer(Encoding.ASCII.GetString(publicKeyPem), out byte[] der))
        {
            return false;
        }

        fingerprint = OfDer(der);
        return true;
    }

    /// <summary>Reads a PEM public key into its SubjectPublicKeyInfo DER.</summary>
    /// <param name="pem">The text.</param>
    /// <param name="der">The DER bytes, when the text holds a public key.</param>
    /// <returns>Whether it does.</returns>
    internal static bool TryReadDer(string pem, out byte[] der)
    {
        der = [];
        if (!PemEncoding.TryFind(pem, out PemFields fields) || pem[fields.Label] is not "PUBLIC KEY")
        {
            return false;
        }

        try
        {
            der = Convert.FromBase64String(pem[fields.Base64Data]);
            using var key = ECDsa.Create();
            key.ImportSubjectPublicKeyInfo(der, out _);
            return true;
        }
        catch (Exception e) when (e is FormatException or CryptographicException)
        {
            return false;
        }
    }
}
