namespace Flip.Datasets.Manifests;

/// <summary>How <see cref="ManifestCohort"/> loads a manifest's cohort.</summary>
public sealed record ManifestCohortOptions
{
    /// <summary>Cache folder for series indexes and fetched data; <see langword="null"/> for <c>&lt;manifest folder&gt;/.flip-cache</c>.</summary>
    public string? CacheFolder { get; init; }

    /// <summary>Resolvers of non-folder sources (such as DICOMweb), asked in order.</summary>
    public IReadOnlyList<ISiteSourceResolver> Resolvers { get; init; } = [];

    /// <summary>Channels every patient's images hold, in this order; <see langword="null"/> for the manifest's required channels.</summary>
    public IReadOnlyList<string>? Channels { get; init; }

    /// <summary>Files read at once while indexing.</summary>
    public int MaxParallelism { get; init; } = 2;

    /// <summary>The cache folder for a manifest.</summary>
    /// <param name="manifest">The manifest.</param>
    /// <returns><see cref="CacheFolder"/> or the default.</returns>
    public string CacheFolderFor(Manifest manifest)
    {
        ArgumentNullException.ThrowIfNull(manifest);
        return Path.GetFullPath(CacheFolder ?? Path.Combine(manifest.Folder, ".flip-cache"));
    }
}
