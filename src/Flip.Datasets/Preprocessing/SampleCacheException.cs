namespace Flip.Datasets.Preprocessing;

/// <summary>A cache entry is damaged or not a cache entry; the pipeline reports it, deletes the entry and rebuilds it.</summary>
public sealed class SampleCacheException : FlipException
{
    /// <summary>Creates the exception.</summary>
    /// <param name="path">The entry.</param>
    /// <param name="place">Where in the file, e.g. <c>offset 8 (content hash)</c>.</param>
    /// <param name="expected">What was expected there.</param>
    public SampleCacheException(string path, string place, string expected)
        : base($"{path}: cache entry refused at {place}; expected {expected}.", ExitCodes.BadInput,
            "the entry is rebuilt from the images; delete the cache folder if this repeats.")
    {
        Path = path;
    }

    /// <summary>The refused entry.</summary>
    public string Path { get; }
}
