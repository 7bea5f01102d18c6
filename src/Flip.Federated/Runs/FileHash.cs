using System.Security.Cryptography;

namespace Flip.Federated.Runs;

/// <summary>
/// SHA-256 sidecars: <c>name.sha256</c> beside a file, in <c>sha256sum</c>'s format
/// (<c>hex␣␣name</c>), for files whose own format has no room for a hash (TorchSharp's optimizer state).
/// </summary>
public static class FileHash
{
    /// <summary>The sidecar's extension.</summary>
    public const string SidecarExtension = ".sha256";

    /// <summary>The lower-case hex SHA-256 of a file.</summary>
    /// <param name="path">The file.</param>
    /// <returns>64 hex digits.</returns>
    public static string Compute(string path)
    {
        using FileStream stream = File.OpenRead(path);
        return Convert.ToHexStringLower(SHA256.HashData(stream));
    }

    /// <summary>Writes <c>path.sha256</c> for <paramref name="hashedFile"/>'s content, atomically.</summary>
    /// <param name="path">The file the sidecar describes (its final name).</param>
    /// <param name="hashedFile">The file to hash now (the final file, or its temporary copy before the rename).</param>
    public static void WriteSidecar(string path, string hashedFile)
        => AtomicFile.WriteText(path + SidecarExtension, $"{Compute(hashedFile)}  {Path.GetFileName(path)}\n");

    /// <summary>Checks a file against its sidecar, when it has one.</summary>
    /// <param name="path">The file.</param>
    /// <returns>Whether a sidecar was found (and matched).</returns>
    /// <exception cref="CorruptFileException">The hashes differ.</exception>
    /// <exception cref="FlipException">The sidecar is not 64 hex digits.</exception>
    public static bool VerifySidecar(string path)
    {
        string sidecar = path + SidecarExtension;
        if (!File.Exists(sidecar))
        {
            return false;
        }

        string text = File.ReadAllText(sidecar);
        string expected = text.Length >= 64 ? text[..64] : text.Trim();
        if (expected.Length != 64 || !expected.All(Uri.IsHexDigit))
        {
            throw new FlipException($"{sidecar}: line 1 starts with \"{(text.Length > 70 ? text[..70] : text.TrimEnd())}\"; expected 64 hex digits of SHA-256 and the file name.", ExitCodes.BadInput,
                "write the sidecar again with 'sha256sum FILE > FILE.sha256' if the file is known to be good.");
        }

        string actual = Compute(path);
        if (!string.Equals(expected, actual, StringComparison.OrdinalIgnoreCase))
        {
            throw CorruptFileException.HashMismatch(path, expected.ToLowerInvariant(), actual, Path.GetFileName(sidecar));
        }

        return true;
    }
}
