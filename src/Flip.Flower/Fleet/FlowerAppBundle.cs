using System.Globalization;
using System.IO.Compression;
using System.Security.Cryptography;
using System.Text;

namespace Flip.Flower.Fleet;

/// <summary>
/// A Flower App Bundle (FAB): the zip a SuperLink serves with <c>GetFab</c> so a SuperNode can run the
/// run's ClientApp. Built as Flower 1.27's <c>flwr.cli.build</c> builds one: <c>pyproject.toml</c> first,
/// then the other files in ordinal path order, every entry deflated and dated 2024-10-01 00:00:00, then
/// <c>.info/CONTENT</c> with one line <c>path,sha256-hex,size-in-bits</c> per file (no final newline).
/// A SuperNode checks each file against <c>CONTENT</c> when it installs the bundle; its identity is
/// <see cref="Hash"/>, the SHA-256 of the whole zip (<c>Run.fab_hash</c>).
/// </summary>
public sealed class FlowerAppBundle
{
    /// <summary>The file every FAB must hold: the app's <c>[project]</c> and <c>[tool.flwr.app]</c> tables.</summary>
    public const string ConfigFile = "pyproject.toml";

    /// <summary>The manifest of per-file hashes.</summary>
    public const string ContentFile = ".info/CONTENT";

    /// <summary>Flower's limit on a FAB's size (<c>FAB_MAX_SIZE</c>).</summary>
    public const int MaxBytes = 10 * 1024 * 1024;

    private static readonly DateTimeOffset FabDate = new(2024, 10, 1, 0, 0, 0, TimeSpan.Zero);

    private FlowerAppBundle(byte[] content, string id, string version)
    {
        Content = content;
        Hash = Convert.ToHexStringLower(SHA256.HashData(content));
        Id = id;
        Version = version;
    }

    /// <summary>The zip's bytes.</summary>
    public byte[] Content { get; }

    /// <summary>The SHA-256 of <see cref="Content"/>, lower-case hex: Flower's <c>fab_hash</c>.</summary>
    public string Hash { get; }

    /// <summary>The app's <c>publisher/name</c> (Flower's <c>fab_id</c>).</summary>
    public string Id { get; }

    /// <summary>The app's version (<c>[project] version</c>).</summary>
    public string Version { get; }

    /// <summary>Builds a bundle from an app's files.</summary>
    /// <param name="files">Relative paths (forward slashes) and contents; must hold <see cref="ConfigFile"/>.</param>
    /// <param name="id">The app's <c>publisher/name</c>, as its <c>pyproject.toml</c> says.</param>
    /// <param name="version">The app's version, as its <c>pyproject.toml</c> says.</param>
    /// <returns>The bundle.</returns>
    /// <exception cref="ArgumentException">No <c>pyproject.toml</c>, a path that is absolute or climbs out, or a bundle over Flower's 10 MiB limit.</exception>
    public static FlowerAppBundle Build(IReadOnlyDictionary<string, byte[]> files, string id, string version)
    {
        ArgumentNullException.ThrowIfNull(files);
        if (!files.TryGetValue(ConfigFile, out byte[]? config))
        {
            throw new ArgumentException($"a Flower app bundle needs {ConfigFile}; the files given have none.", nameof(files));
        }

        foreach (string path in files.Keys)
        {
            if (path.Length == 0 || path.StartsWith('/') || path.Contains('\\', StringComparison.Ordinal) || path.Split('/').Any(p => p is ".." or "." or ""))
            {
                throw new ArgumentException($"a Flower app bundle's paths are relative with forward slashes; '{path}' is not.", nameof(files));
            }
        }

        using var buffer = new MemoryStream();
        var manifest = new List<string>();
        using (var zip = new ZipArchive(buffer, ZipArchiveMode.Create, leaveOpen: true))
        {
            manifest.Add(Add(zip, ConfigFile, config));
            foreach (string path in files.Keys.Where(p => p != ConfigFile).Order(StringComparer.Ordinal))
            {
                manifest.Add(Add(zip, path, files[path]));
            }

            Add(zip, ContentFile, Encoding.UTF8.GetBytes(string.Join('\n', manifest)));
        }

        byte[] content = buffer.ToArray();
        return content.Length > MaxBytes
            ? throw new ArgumentException($"the Flower app bundle is {content.Length:N0} bytes; Flower accepts at most {MaxBytes:N0}.", nameof(files))
            : new FlowerAppBundle(content, id, version);
    }

    /// <summary>Writes one entry and returns its <c>CONTENT</c> line.</summary>
    private static string Add(ZipArchive zip, string path, byte[] content)
    {
        ZipArchiveEntry entry = zip.CreateEntry(path, CompressionLevel.Optimal);
        entry.LastWriteTime = FabDate;
        using (Stream stream = entry.Open())
        {
            stream.Write(content);
        }

        return string.Create(CultureInfo.InvariantCulture, $"{path},{Convert.ToHexStringLower(SHA256.HashData(content))},{content.LongLength * 8}");
    }
}
