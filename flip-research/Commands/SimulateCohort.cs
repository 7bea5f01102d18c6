using Flip.Datasets;
using Flip.Datasets.Manifests;
using Flip.Datasets.Synthetic;
using Flip.Experiments;

namespace Flip.Cli.Commands;

/// <summary>The cohort a <c>simulate</c> run trains on: the embedded FLIP-6, or a manifest's cohort loaded from disk.</summary>
internal static class SimulateCohort
{
    /// <summary>Prepares the cohort: the manifest's (its required channels, split by the simulation's seed) when given, else FLIP-6 at <paramref name="scale"/>.</summary>
    public static PreparedCohort Prepare(string? manifest, double scale, int seed)
        => manifest is null
            ? Experiment.SyntheticFlip6(scale, seed)
            : PreparedCohort.Prepare(Load(manifest, scale, seed), seed: seed);

    /// <summary>The cohort before splitting: the manifest's when given (DICOMweb sites fetched into the cache), else FLIP-6 at <paramref name="scale"/>.</summary>
    public static Cohort Load(string? manifest, double scale, int seed)
        => manifest is null
            ? SyntheticCohort.Flip6(new SyntheticCohortOptions { Scale = scale, Seed = seed })
            : ManifestCohort.Load(Manifest.Load(manifest), new ManifestCohortOptions { Resolvers = [new Flip.Datasets.DicomWeb.DicomWebSiteResolver()] });
}
