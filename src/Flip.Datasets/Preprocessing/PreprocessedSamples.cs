using Flip.Datasets.Samples;

namespace Flip.Datasets.Preprocessing;

/// <summary>What a <see cref="SamplePipeline"/> run produced and how much of it came from the cache.</summary>
/// <param name="Slices">The 2D samples of every patient, in the patients' order (empty when the pipeline makes 3D crops).</param>
/// <param name="CacheHits">Patients read from the cache.</param>
/// <param name="Built">Patients built from their images (and written to the cache, when there is one).</param>
/// <param name="Refused">One sentence per damaged cache entry that was refused and rebuilt.</param>
public sealed record PreprocessedSamples(SliceSet Slices, int CacheHits, int Built, IReadOnlyList<string> Refused)
{
    /// <summary>One 3D crop per patient, in the patients' order, when the pipeline makes <see cref="SampleOutput.Crops3D"/>; otherwise <see langword="null"/>.</summary>
    public CropSet? Crops { get; init; }
}
