using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Flip.Imaging.Dicom;

namespace Flip.Datasets.Manifests;

/// <summary>
/// The DICOM series of one site's folder, cached as JSON so a second load does not read every header again.
/// The cache is reused while every file's path, size and modification time are unchanged.
/// </summary>
/// <param name="SiteId">The site.</param>
/// <param name="Folder">The site's folder (absolute).</param>
/// <param name="Fingerprint">SHA-256 over every file's relative path, size and modification time.</param>
/// <param name="FileCount">Files under the folder.</param>
/// <param name="Series">The series found.</param>
/// <param name="UnreadableFiles">Files that looked like DICOM (no known image extension) but could not be read.</param>
public sealed record SeriesIndex(string SiteId, string Folder, string Fingerprint, int FileCount, IReadOnlyList<IndexedSeries> Series, int UnreadableFiles)
{
    /// <summary>The cache file's format version; a different one is rebuilt.</summary>
    public const int FormatVersion = 1;

    private static readonly JsonSerializerOptions Json = new() { PropertyNamingPolicy = JsonNamingPolicy.CamelCase, WriteIndented = false };

    private static readonly string[] NotDicom = [".nii", ".nii.gz", ".mha", ".mhd", ".raw", ".csv", ".json", ".txt", ".md", ".tmp"];

    /// <summary>The cache file of a site.</summary>
    /// <param name="cacheFolder">The cache folder.</param>
    /// <param name="siteId">The site.</param>
    /// <returns><c>&lt;cache&gt;/&lt;site&gt;.series-index.json</c>.</returns>
    /// <exception cref="ArgumentException">The site id would name a file outside the cache folder.</exception>
    public static string CacheFile(string cacheFolder, string siteId) => CachePath.Below(cacheFolder, siteId + ".series-index.json")
        ?? throw new ArgumentException($"site id \"{siteId}\" would name a file outside the cache folder; expected lower-case letters, digits and dashes.", nameof(siteId));

    /// <summary>Returns the cached index of a folder when its files are unchanged, else scans the folder and writes the cache (temp, then rename).</summary>
    /// <param name="siteId">The site.</param>
    /// <param name="folder">The site's folder.</param>
    /// <param name="cacheFolder">Where the cache lives (created).</param>
    /// <param name="reused">Whether the cache was used.</param>
    /// <param name="maxParallelism">Headers read at once.</param>
    /// <param name="cancellationToken">Cancels the scan.</param>
    /// <returns>The index.</returns>
    public static SeriesIndex GetOrBuild(string siteId, string folder, string cacheFolder, out bool reused, int maxParallelism = 2, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(folder);
        var files = PathPattern.List(folder);
        string fingerprint = ComputeFingerprint(folder, files);
        string cacheFile = CacheFile(cacheFolder, siteId);
        if (TryRead(cacheFile) is { } cached && cached.Index.Fingerprint == fingerprint && cached.Index.Folder == folder && cached.Version == FormatVersion)
        {
            reused = true;
            return cached.Index;
        }

        reused = false;
        SeriesIndex index = Scan(siteId, folder, files, fingerprint, maxParallelism, cancellationToken);
        Directory.CreateDirectory(cacheFolder);
        string tmp = cacheFile + ".tmp";
        File.WriteAllText(tmp, JsonSerializer.Serialize(new CacheFileContent(FormatVersion, index), Json));
        File.Move(tmp, cacheFile, overwrite: true);
        return index;
    }

    private static SeriesIndex Scan(string siteId, string folder, IReadOnlyList<string> files, string fingerprint, int maxParallelism, CancellationToken cancellationToken)
    {
        var candidates = files.Where(f => !NotDicom.Any(e => f.EndsWith(e, StringComparison.OrdinalIgnoreCase))).ToList();
        var headers = new System.Collections.Concurrent.ConcurrentBag<(string File, string Patient, string Study, string Series, string Modality, string Description, int Frames)>();
        int unreadable = 0;
        Parallel.ForEach(candidates, new ParallelOptions { MaxDegreeOfParallelism = Math.Max(1, maxParallelism), CancellationToken = cancellationToken }, file =>
        {
            try
            {
                DicomDataset ds = DicomFile.Open(Path.Combine(folder, file), DicomReadOptions.HeaderOnly).Dataset;
                headers.Add((file, ds.GetStringOrDefault(DicomTag.PatientId, string.Empty), ds.GetStringOrDefault(DicomTag.StudyInstanceUid, string.Empty),
                    ds.GetStringOrDefault(DicomTag.SeriesInstanceUid, string.Empty), ds.GetStringOrDefault(DicomTag.Modality, string.Empty),
                    ds.GetStringOrDefault(DicomTag.SeriesDescription, string.Empty), Math.Max(1, ds.GetInt32OrDefault(DicomTag.NumberOfFrames, 1))));
            }
            catch (Exception e) when (e is FlipException or IOException or UnauthorizedAccessException)
            {
                Interlocked.Increment(ref unreadable);
            }
        });
        var series = headers.GroupBy(h => h.Series, StringComparer.Ordinal)
            .Select(g =>
            {
                var first = g.OrderBy(h => h.File, StringComparer.Ordinal).First();
                return new IndexedSeries(first.Patient, first.Study, first.Series, first.Modality, first.Description, g.Sum(h => h.Frames),
                    [.. g.Select(h => h.File).Order(StringComparer.Ordinal)]);
            })
            .OrderBy(s => s.PatientId, StringComparer.Ordinal).ThenBy(s => s.StudyInstanceUid, StringComparer.Ordinal).ThenBy(s => s.SeriesInstanceUid, StringComparer.Ordinal)
            .ToList();
        return new SeriesIndex(siteId, folder, fingerprint, files.Count, series, unreadable);
    }

    private static string ComputeFingerprint(string folder, IReadOnlyList<string> files)
    {
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        foreach (string file in files)
        {
            var info = new FileInfo(Path.Combine(folder, file));
            hash.AppendData(Encoding.UTF8.GetBytes($"{file}|{info.Length}|{info.LastWriteTimeUtc.Ticks}\n"));
        }

        return Convert.ToHexStringLower(hash.GetHashAndReset());
    }

    private static CacheFileContent? TryRead(string cacheFile)
    {
        try
        {
            return File.Exists(cacheFile) ? JsonSerializer.Deserialize<CacheFileContent>(File.ReadAllText(cacheFile), Json) : null;
        }
        catch (JsonException)
        {
            return null; // a damaged cache is rebuilt
        }
    }

    private sealed record CacheFileContent(int Version, SeriesIndex Index);
}
