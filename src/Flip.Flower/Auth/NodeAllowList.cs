using System.Buffers.Binary;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;

namespace Flip.Flower.Auth;

/// <summary>
/// The public keys of the hospital nodes a server accepts (<c>serve --authorized-keys FILE</c>),
/// compared by their SubjectPublicKeyInfo, so the same key matches whatever form it was written in.
/// </summary>
/// <remarks>
/// The file holds, in any mix:
/// <list type="bullet">
/// <item>PEM public keys (<c>-----BEGIN PUBLIC KEY-----</c> … <c>-----END PUBLIC KEY-----</c>), as
/// <c>flip-research client --export-public-key</c> prints them and as Flower's SuperNode sends them;</item>
/// <item>OpenSSH public keys (<c>ecdsa-sha2-nistp384 AAAA… [comment]</c>), one per line or
/// comma-separated on a line, which is Flower's <c>--auth-list-public-keys</c> CSV.</item>
/// </list>
/// Blank lines and lines starting with <c>#</c> are ignored. Keys must be EC P-384, the curve Flower nodes sign with.
/// </remarks>
public sealed class NodeAllowList
{
    private const string OpenSshType = "ecdsa-sha2-nistp384";
    private readonly HashSet<string> _fingerprints;

    private NodeAllowList(string source, HashSet<string> fingerprints)
    {
        Source = source;
        _fingerprints = fingerprints;
    }

    /// <summary>Where the keys came from (the file path).</summary>
    public string Source { get; }

    /// <summary>How many distinct keys are allowed.</summary>
    public int Count => _fingerprints.Count;

    /// <summary>Fingerprints (<see cref="KeyFingerprint"/>) of the allowed keys.</summary>
    public IReadOnlyCollection<string> Fingerprints => _fingerprints;

    /// <summary>Builds a list from PEM public keys held in memory.</summary>
    /// <param name="source">A name for messages.</param>
    /// <param name="publicKeysPem">The keys.</param>
    /// <returns>The list.</returns>
    /// <exception cref="FlipException">A text is not a P-384 public key.</exception>
    public static NodeAllowList FromPem(string source, IEnumerable<string> publicKeysPem)
    {
        ArgumentNullException.ThrowIfNull(publicKeysPem);
        return Parse(source, string.Join('\n', publicKeysPem));
    }

    /// <summary>Reads an authorized-keys file.</summary>
    /// <param name="path">The file.</param>
    /// <returns>The list.</returns>
    /// <exception cref="FlipException">The file is missing, holds no key, or an entry is not a P-384 public key (the message names the line).</exception>
    public static NodeAllowList Load(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        string text;
        try
        {
            text = File.ReadAllText(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new FlipException($"{path}: cannot be read ({e.Message.TrimEnd('.')}); expected the authorized node keys (PEM public keys or Flower's CSV of OpenSSH keys).",
                ExitCodes.BadInput, "check the path given to serve --authorized-keys or client --secagg-peers; each hospital prints its key with 'flip-research client --export-public-key'", e);
        }

        return Parse(path, text);
    }

    /// <summary>Whether a caller's key (the <c>flwr-public-key-bin</c> PEM) is on the list.</summary>
    /// <param name="publicKeyPem">PEM bytes.</param>
    /// <param name="fingerprint">The key's fingerprint, or <c>unreadable key</c>.</param>
    /// <returns>Whether it is allowed.</returns>
    public bool Contains(ReadOnlySpan<byte> publicKeyPem, out string fingerprint)
    {
        if (!KeyFingerprint.TryOfPem(publicKeyPem, out fingerprint))
        {
            fingerprint = "unreadable key";
            return false;
        }

        return _fingerprints.Contains(fingerprint);
    }

    private static NodeAllowList Parse(string source, string text)
    {
        var fingerprints = new HashSet<string>(StringComparer.Ordinal);
        string[] lines = text.ReplaceLineEndings("\n").Split('\n');
        for (int i = 0; i < lines.Length; i++)
        {
            string line = lines[i].Trim();
            int lineNumber = i + 1;
            if (line.Length == 0 || line.StartsWith('#'))
            {
                continue;
            }

            if (line.StartsWith("-----BEGIN ", StringComparison.Ordinal))
            {
                int end = Array.FindIndex(lines, i, l => l.Trim().StartsWith("-----END ", StringComparison.Ordinal));
                if (end < 0)
                {
                    throw Bad(source, lineNumber, "a PEM block without its -----END----- line");
                }

                string pem = string.Join('\n', lines[i..(end + 1)].Select(l => l.Trim()));
                if (!KeyFingerprint.TryReadDer(pem, out byte[] der))
                {
                    throw Bad(source, lineNumber, "a PEM block that is not a public key (-----BEGIN PUBLIC KEY-----)");
                }

                fingerprints.Add(CheckP384(source, lineNumber, der));
                i = end;
                continue;
            }

            foreach (string cell in line.Split(','))
            {
                string entry = cell.Trim();
                if (entry.Length > 0)
                {
                    fingerprints.Add(CheckP384(source, lineNumber, FromOpenSsh(source, lineNumber, entry)));
                }
            }
        }

        if (fingerprints.Count == 0)
        {
            throw new FlipException($"{source}: no public keys found; expected PEM public keys or OpenSSH 'ecdsa-sha2-nistp384 AAAA…' lines.",
                ExitCodes.BadInput, "add each hospital's key (printed by 'flip-research client --export-public-key')");
        }

        return new NodeAllowList(source, fingerprints);
    }

    private static string CheckP384(string source, int line, byte[] der)
    {
        using var key = ECDsa.Create();
        key.ImportSubjectPublicKeyInfo(der, out _);
        if (key.KeySize != 384)
        {
            throw Bad(source, line, $"an EC key on a {key.KeySize}-bit curve; Flower nodes sign with P-384 (secp384r1)");
        }

        return KeyFingerprint.OfDer(der);
    }

    /// <summary>Reads <c>ecdsa-sha2-nistp384 BASE64 [comment]</c> (RFC 5656 §3.1) into a SubjectPublicKeyInfo.</summary>
    private static byte[] FromOpenSsh(string source, int line, string entry)
    {
        string[] parts = entry.Split((char[]?)null, 3, StringSplitOptions.RemoveEmptyEntries);
        if (parts.Length < 2 || parts[0] != OpenSshType)
        {
            string shown = entry.Length > 24 ? entry[..24] + "…" : entry;
            throw Bad(source, line, $"'{shown}', which is neither a PEM block nor an OpenSSH '{OpenSshType}' key");
        }

        try
        {
            ReadOnlySpan<byte> blob = Convert.FromBase64String(parts[1]);
            string type = Encoding.ASCII.GetString(ReadString(ref blob));
            string curve = Encoding.ASCII.GetString(ReadString(ref blob));
            ReadOnlySpan<byte> point = ReadString(ref blob);
            if (type != OpenSshType || curve != "nistp384" || point.Length != 97 || point[0] != 4)
            {
                throw new FormatException("not an uncompressed P-384 point");
            }

            var parameters = new ECParameters
            {
                Curve = ECCurve.NamedCurves.nistP384,
                Q = new ECPoint { X = point[1..49].ToArray(), Y = point[49..].ToArray() },
            };
            using var key = ECDsa.Create(parameters);
            return key.ExportSubjectPublicKeyInfo();
        }
        catch (Exception e) when (e is FormatException or CryptographicException or ArgumentOutOfRangeException)
        {
            throw Bad(source, line, $"an OpenSSH key whose base64 body does not hold a P-384 point ({e.Message.TrimEnd('.')})");
        }
    }

    private static ReadOnlySpan<byte> ReadString(ref ReadOnlySpan<byte> blob)
    {
        if (blob.Length < 4)
        {
            throw new FormatException("truncated key blob");
        }

        int length = checked((int)BinaryPrimitives.ReadUInt32BigEndian(blob));
        if (length > blob.Length - 4)
        {
            throw new FormatException("truncated key blob");
        }

        ReadOnlySpan<byte> value = blob.Slice(4, length);
        blob = blob[(4 + length)..];
        return value;
    }

    private static FlipException Bad(string source, int line, string found) =>
        new($"{source} line {line.ToString(CultureInfo.InvariantCulture)}: found {found}; expected a PEM public key or an OpenSSH 'ecdsa-sha2-nistp384 AAAA…' key.",
            ExitCodes.BadInput, "export each hospital's key with 'flip-research client --export-public-key' and paste it unchanged");
}
