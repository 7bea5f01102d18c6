using Flip.Datasets.Samples;

namespace Flip.Datasets.Preprocessing;

/// <summary>What a <see cref="SamplePipeline"/> run produced and how much of it came from the cache.</summary>
/// <param name="Slices">The samples of every patient, in the patients' order.</param>
/// <param name="CacheHits">Patients read from the cache.</param>
/// <param name="Built">Patients built from their images (and written to the cache, when there is one).</param>
/// <param name="Refused">One sentence per damaged cache entry that was refused and rebuilt.</param>
public sealed record PreprocessedSamples(SliceSet Slices, int CacheHits, int Built, IReadOnlyList<string> Refused);
