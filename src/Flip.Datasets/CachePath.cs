namespace Flip.Datasets;

/// <summary>Paths below a cache folder built from names that came from elsewhere (a PACS, a DICOM file, a site id): the one place that checks a path stays inside its folder.</summary>
/// <remarks>
/// Names are validated where they enter (a UID with <see cref="Flip.Imaging.Dicom.DicomUid.IsValid"/>, a site id by the manifest
/// reader); this check is the second line: after normalisation (<see cref="Path.GetFullPath(string)"/> resolves <c>..</c> and a
/// rooted segment replaces the path) the result must start with the folder's full path and a separator. Symbolic links inside
/// the cache are not followed here; the cache is the user's own folder.
/// </remarks>
internal static class CachePath
{
    private static readonly StringComparison PathComparison =
        OperatingSystem.IsWindows() || OperatingSystem.IsMacOS() ? StringComparison.OrdinalIgnoreCase : StringComparison.Ordinal;

    /// <summary>The full path of <paramref name="segments"/> below <paramref name="folder"/>, or <see langword="null"/> when it would not be strictly inside the folder.</summary>
    /// <param name="folder">The folder (made full).</param>
    /// <param name="segments">Names below it, each one or more path components.</param>
    /// <returns>The full path, or <see langword="null"/> for an empty segment, a NUL character, or a path that leaves the folder or is the folder itself.</returns>
    public static string? Below(string folder, params ReadOnlySpan<string> segments)
    {
        ArgumentException.ThrowIfNullOrEmpty(folder);
        string root = Path.GetFullPath(folder);
        string prefix = Path.EndsInDirectorySeparator(root) ? root : root + Path.DirectorySeparatorChar;
        string path = root;
        foreach (string segment in segments)
        {
            if (string.IsNullOrEmpty(segment) || segment.Contains('\0', StringComparison.Ordinal)) return null;
            path = Path.Combine(path, segment);
        }

        string full = Path.GetFullPath(path);
        return full.Length > prefix.Length && full.StartsWith(prefix, PathComparison) ? full : null;
    }
}
