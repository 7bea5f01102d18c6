using System.Security.Cryptography;
using System.Text;

namespace Flip.Flower.Auth;

/// <summary>
/// A node's signing key: ECDSA on P-384 (secp384r1), as Flower's SuperNode uses to authenticate
/// every Fleet API call. Persist it (<see cref="LoadOrCreate"/>) and the node keeps its identity
/// across restarts.
/// </summary>
/// <remarks>
/// Signatures are ECDSA with SHA-256 in DER (RFC 3279) form over the ASCII timestamp; the public
/// key travels as SubjectPublicKeyInfo PEM text with a final newline, as Python's
/// <c>cryptography</c> writes it (flower-protocol.md (b) "Authentication metadata").
/// </remarks>
public sealed class NodeIdentity : IDisposable
{
    private readonly ECDsa _key;

    private NodeIdentity(ECDsa key)
    {
        _key = key;
        PublicKeyPem = Encoding.ASCII.GetBytes(key.ExportSubjectPublicKeyInfoPem() + "\n");
    }

    /// <summary>The public key as SubjectPublicKeyInfo PEM bytes: the <c>flwr-public-key-bin</c> value and <c>RegisterNode.public_key</c>.</summary>
    public byte[] PublicKeyPem { get; }

    /// <summary>Creates a fresh P-384 key (not persisted; Flower's SuperNode does this at every start).</summary>
    /// <returns>The identity.</returns>
    public static NodeIdentity Create() => new(ECDsa.Create(ECCurve.NamedCurves.nistP384));

    /// <summary>Loads a PEM private key (PKCS#8 <c>PRIVATE KEY</c> or SEC1 <c>EC PRIVATE KEY</c>).</summary>
    /// <param name="pem">The PEM text.</param>
    /// <returns>The identity.</returns>
    /// <exception cref="FlowerProtocolException">The text holds no P-384 EC private key.</exception>
    public static NodeIdentity FromPem(string pem)
    {
        var key = ECDsa.Create();
        try
        {
            key.ImportFromPem(pem);
        }
        catch (Exception e) when (e is ArgumentException or CryptographicException)
        {
            key.Dispose();
            throw FlowerProtocolException.Authentication("the key text is not a PEM EC private key", "give a PKCS#8 P-384 key, or delete the file to let the node create one", e);
        }

        if (key.KeySize != 384)
        {
            int size = key.KeySize;
            key.Dispose();
            throw FlowerProtocolException.Authentication($"the key is on a {size}-bit curve; Flower expects P-384 (secp384r1)", "delete the key file to let the node create a P-384 key");
        }

        return new NodeIdentity(key);
    }

    /// <summary>
    /// Loads the node key from <paramref name="path"/>, or creates a P-384 key and writes it there
    /// (PKCS#8 PEM, permissions 0600 on Unix, written to a temporary file and renamed).
    /// </summary>
    /// <param name="path">The key file.</param>
    /// <returns>The identity.</returns>
    /// <exception cref="FlowerProtocolException">The file exists but is readable by others, or holds no P-384 key.</exception>
    public static NodeIdentity LoadOrCreate(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        if (File.Exists(path))
        {
            if (!OperatingSystem.IsWindows())
            {
                UnixFileMode mode = File.GetUnixFileMode(path);
                const UnixFileMode others = UnixFileMode.GroupRead | UnixFileMode.GroupWrite | UnixFileMode.GroupExecute
                    | UnixFileMode.OtherRead | UnixFileMode.OtherWrite | UnixFileMode.OtherExecute;
                if ((mode & others) != 0)
                {
                    throw FlowerProtocolException.Authentication(
                        $"the node key file {path} can be read by other users (mode {Convert.ToString((int)mode, 8)})",
                        $"run 'chmod 600 {path}'");
                }
            }

            return FromPem(File.ReadAllText(path));
        }

        NodeIdentity identity = Create();
        PrivateFile.WriteText(path, identity._key.ExportPkcs8PrivateKeyPem() + "\n");
        return identity;
    }

    /// <summary>Signs a timestamp: ECDSA-SHA256, DER-encoded (the <c>flwr-signature-bin</c> value).</summary>
    /// <param name="timestamp">The exact <c>flwr-timestamp</c> text.</param>
    /// <returns>The DER signature.</returns>
    public byte[] Sign(string timestamp)
    {
        ArgumentNullException.ThrowIfNull(timestamp);
        return SignData(Encoding.ASCII.GetBytes(timestamp));
    }

    /// <summary>Signs bytes: ECDSA-SHA256, DER-encoded (used for the node's secure aggregation keys, <c>pk_signature</c>).</summary>
    /// <param name="data">The bytes to sign.</param>
    /// <returns>The DER signature.</returns>
    public byte[] SignData(ReadOnlySpan<byte> data) => _key.SignData(data, HashAlgorithmName.SHA256, DSASignatureFormat.Rfc3279DerSequence);

    /// <summary>Verifies a signature made by the holder of a public key.</summary>
    /// <param name="publicKeyPem">SubjectPublicKeyInfo PEM bytes.</param>
    /// <param name="timestamp">The signed timestamp text.</param>
    /// <param name="derSignature">The DER signature.</param>
    /// <returns>Whether the signature is valid; <see langword="false"/> also for an unreadable key.</returns>
    public static bool Verify(ReadOnlySpan<byte> publicKeyPem, string timestamp, ReadOnlySpan<byte> derSignature)
    {
        ArgumentNullException.ThrowIfNull(timestamp);
        return VerifyData(publicKeyPem, Encoding.ASCII.GetBytes(timestamp), derSignature);
    }

    /// <summary>Verifies a signature over bytes made by the holder of a public key (<see cref="SignData"/>).</summary>
    /// <param name="publicKeyPem">SubjectPublicKeyInfo PEM bytes.</param>
    /// <param name="data">The signed bytes.</param>
    /// <param name="derSignature">The DER signature.</param>
    /// <returns>Whether the signature is valid; <see langword="false"/> also for an unreadable key.</returns>
    public static bool VerifyData(ReadOnlySpan<byte> publicKeyPem, ReadOnlySpan<byte> data, ReadOnlySpan<byte> derSignature)
    {
        using var key = ECDsa.Create();
        try
        {
            key.ImportFromPem(Encoding.ASCII.GetString(publicKeyPem));
            return key.VerifyData(data, derSignature, HashAlgorithmName.SHA256, DSASignatureFormat.Rfc3279DerSequence);
        }
        catch (Exception e) when (e is ArgumentException or CryptographicException)
        {
            return false;
        }
    }

    /// <summary>The public key as an <see cref="ECDsa"/> verifier, for standard-library checks.</summary>
    /// <returns>A new key object holding only the public part; dispose it.</returns>
    public ECDsa ExportPublicKey()
    {
        var pub = ECDsa.Create();
        pub.ImportSubjectPublicKeyInfo(_key.ExportSubjectPublicKeyInfo(), out _);
        return pub;
    }

    /// <summary>The public key's fingerprint (<see cref="KeyFingerprint"/>), safe to print and log.</summary>
    public string Fingerprint => KeyFingerprint.OfDer(_key.ExportSubjectPublicKeyInfo());

    /// <inheritdoc/>
    public void Dispose() => _key.Dispose();
}
