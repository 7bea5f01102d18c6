using System.CommandLine;
using System.Globalization;
using Flip.Datasets;
using Flip.Datasets.Manifests;
using Flip.Datasets.Preprocessing;
using Flip.Datasets.Synthetic;
using Flip.Experiments;
using Spectre.Console;

namespace Flip.Cli.Commands;

/// <summary>The cohort a <c>simulate</c> run trains on: the embedded FLIP-6, or a manifest's cohort loaded from disk.</summary>
internal static class SimulateCohort
{
    /// <summary><c>--cache DIR</c> of <c>simulate</c>: the on-disk preprocessing cache.</summary>
    public static Option<string?> CacheOption() => new("--cache")
    {
        Description = "Preprocessing cache folder: each patient's slices are stored there (keyed by its source, label and the settings), so a second run skips preprocessing. Default: no cache.",
    };

    /// <summary>
    /// Prepares the cohort: the manifest's (its required channels, split as its <c>splits</c> say, else by the simulation's seed)
    /// when given, else FLIP-6 at <paramref name="scale"/>; through the preprocessing cache in <paramref name="cacheFolder"/> when given;
    /// with the slices on disk in <paramref name="slicesFolder"/> (memory flat in the number of patients) when given.
    /// </summary>
    public static PreparedCohort Prepare(string? manifest, double scale, int seed, string? cacheFolder = null, IAnsiConsole? console = null, string? slicesFolder = null)
        => Prepare(Load(manifest, scale, seed, out SplitRule? splits), splits, manifest, scale, seed, cacheFolder, console, slicesFolder);

    /// <summary>Prepares a loaded cohort (or a partition of it) with the manifest's <paramref name="splits"/>; prints the cache's hits and misses.</summary>
    public static PreparedCohort Prepare(Cohort cohort, SplitRule? splits, string? manifest, double scale, int seed, string? cacheFolder, IAnsiConsole? console, string? slicesFolder = null)
    {
        SamplePipeline? pipeline = cacheFolder is null ? null : new SamplePipeline(cache: new SampleCache(cacheFolder),
            sourceIdentity: manifest is null ? _ => string.Create(CultureInfo.InvariantCulture, $"synthetic:flip6:seed={seed}:scale={scale:R}") : ManifestCohort.SourceIdentity);
        PreparedCohort prepared = PreparedCohort.Prepare(cohort, splits, seed, pipeline: pipeline, slicesFolder: slicesFolder);
        if (pipeline is not null)
        {
            console?.MarkupLineInterpolated($"preprocessing cache {cacheFolder}: {prepared.CacheHits} hit(s), {prepared.Built} miss(es) (patients preprocessed and cached).");
        }

        return prepared;
    }

    /// <summary>
    /// The working folder of a run's slices (<c>.slices</c> in the run folder): a run reads its training and test slices
    /// from there, one batch at a time, instead of holding the cohort in memory; <see cref="DeleteSlices"/> removes it when
    /// the run ends.
    /// </summary>
    public static string SlicesFolder(string runFolder) => Path.Combine(runFolder, ".slices");

    /// <summary>Closes a run's slice files and deletes its <see cref="SlicesFolder"/>.</summary>
    public static void DeleteSlices(PreparedCohort? cohort, string runFolder)
    {
        cohort?.Dispose();
        string slices = SlicesFolder(runFolder);
        if (Directory.Exists(slices))
        {
            Directory.Delete(slices, recursive: true);
        }
    }

    /// <summary>The cohort before splitting: the manifest's when given (DICOMweb sites fetched into the cache), else FLIP-6 at <paramref name="scale"/>.</summary>
    public static Cohort Load(string? manifest, double scale, int seed, out SplitRule? splits)
    {
        splits = null;
        if (manifest is null)
        {
            return SyntheticCohort.Flip6(new SyntheticCohortOptions { Scale = scale, Seed = seed });
        }

        Manifest loaded = Manifest.Load(manifest);
        splits = loaded.Splits;
        return ManifestCohort.Load(loaded, new ManifestCohortOptions { Resolvers = [new Flip.Datasets.DicomWeb.DicomWebSiteResolver()] });
    }
}
