using System.Globalization;
using System.Security.Cryptography;
using System.Text;

namespace Flip.Datasets.Preprocessing;

/// <summary>What identifies a patient's source images for the cache key: when it changes, the cached samples are rebuilt.</summary>
public static class SourceIdentity
{
    /// <summary>Files' identity: each file's full path, length and last write time (UTC), hashed; reading file contents is not needed.</summary>
    /// <param name="paths">The patient's source files (any order).</param>
    /// <returns>A SHA-256 hex string prefixed <c>files:</c>.</returns>
    public static string OfFiles(IEnumerable<string> paths)
    {
        ArgumentNullException.ThrowIfNull(paths);
        var text = new StringBuilder();
        foreach (string path in paths.Select(Path.GetFullPath).Order(StringComparer.Ordinal))
        {
            var info = new FileInfo(path);
            text.Append(CultureInfo.InvariantCulture, $"{path}|{info.Length}|{info.LastWriteTimeUtc.Ticks}\n");
        }

        return "files:" + Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(text.ToString())));
    }
}
