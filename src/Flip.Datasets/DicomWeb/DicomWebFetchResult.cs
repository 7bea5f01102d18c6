namespace Flip.Datasets.DicomWeb;

/// <summary>What a retrieval did: instances fetched, instances already present, bytes written.</summary>
/// <param name="Fetched">Instances downloaded now.</param>
/// <param name="Skipped">Instances already in the cache (same SOP Instance UID), not downloaded.</param>
/// <param name="Bytes">Bytes written to disk.</param>
public sealed record DicomWebFetchResult(int Fetched, int Skipped, long Bytes)
{
    /// <summary>Nothing fetched.</summary>
    public static DicomWebFetchResult Empty { get; } = new(0, 0, 0);

    /// <summary>The sum of two results.</summary>
    /// <param name="other">The other result.</param>
    /// <returns>Counts and bytes added.</returns>
    public DicomWebFetchResult Add(DicomWebFetchResult other)
    {
        ArgumentNullException.ThrowIfNull(other);
        return new(Fetched + other.Fetched, Skipped + other.Skipped, Bytes + other.Bytes);
    }
}
