namespace Flip.Datasets.Preprocessing;

/// <summary>How far preprocessing has come.</summary>
/// <param name="Done">Patients finished.</param>
/// <param name="Total">Patients in the job.</param>
/// <param name="CacheHits">Patients read from the cache so far.</param>
public readonly record struct PreprocessingProgress(int Done, int Total, int CacheHits);
