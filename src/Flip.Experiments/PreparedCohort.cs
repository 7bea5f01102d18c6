using System.Diagnostics;
using System.Globalization;
using Flip.Datasets;
using Flip.Datasets.Manifests;
using Flip.Datasets.Preprocessing;
using Flip.Datasets.Samples;

namespace Flip.Experiments;

/// <summary>A cohort split into train and test patients per site and turned into slices, once, for any number of experiments.</summary>
/// <remarks>
/// With a slices folder (<see cref="Prepare(Cohort, SplitRule?, int, int, SamplePipeline?, string?)"/>) every site's slices
/// are written there as they are made and read back one batch at a time, so memory does not grow with the number of
/// patients; dispose the cohort to close those files.
/// </remarks>
public sealed class PreparedCohort : IDisposable
{
    private PreparedCohort(Cohort cohort, IReadOnlyList<PreparedSite> sites, double testFraction, int seed, TimeSpan elapsed)
    {
        Cohort = cohort;
        Sites = sites;
        TestFraction = testFraction;
        Seed = seed;
        PreparationTime = elapsed;
    }

    /// <summary>The cohort.</summary>
    public Cohort Cohort { get; }

    /// <summary>Each hospital's train and test slices (the natural, by-hospital partition).</summary>
    public IReadOnlyList<PreparedSite> Sites { get; }

    /// <summary>Fraction of each site's patients held out for testing.</summary>
    public double TestFraction { get; }

    /// <summary>Seed of the split.</summary>
    public int Seed { get; }

    /// <summary>How long preparation took.</summary>
    public TimeSpan PreparationTime { get; }

    /// <summary>Patients whose slices a pipeline read from its cache (0 without a pipeline or cache).</summary>
    public int CacheHits { get; private init; }

    /// <summary>Patients whose slices a pipeline built from their images, and cached when it has a cache (0 without a pipeline).</summary>
    public int Built { get; private init; }

    /// <summary>Closes the slice files of a cohort prepared with a slices folder (the folder itself is the caller's).</summary>
    public void Dispose()
    {
        foreach (SliceFile file in Sites.SelectMany(s => new[] { s.Train, s.Test }).SelectMany(set => set.Files))
        {
            file.Dispose();
        }
    }

    /// <summary>The same cohort without one hospital: the training federation of a leave-one-site-out run.</summary>
    /// <param name="siteId">The hospital to leave out.</param>
    /// <returns>A cohort of the other hospitals.</returns>
    /// <exception cref="FlipException">No hospital has that id.</exception>
    public PreparedCohort Without(string siteId)
    {
        if (Sites.All(s => s.Id != siteId))
        {
            throw new FlipException($"cohort {Cohort.Name} has no site '{siteId}'; expected one of {string.Join(", ", Sites.Select(s => s.Id))}.", ExitCodes.BadCommandLine);
        }

        return new PreparedCohort(Cohort, [.. Sites.Where(s => s.Id != siteId)], TestFraction, Seed, PreparationTime) { CacheHits = CacheHits, Built = Built };
    }

    /// <summary>All sites' slices together: the pooled site of centralised training.</summary>
    /// <returns>A site with id <c>pooled</c>.</returns>
    public PreparedSite Pooled()
        => new("pooled", null, SliceSet.Concat([.. Sites.Select(s => s.Train)]), SliceSet.Concat([.. Sites.Select(s => s.Test)]));

    /// <summary>Splits every site's patients (stratified by csPCa, grouped by patient) and builds their slices.</summary>
    /// <param name="cohort">The cohort.</param>
    /// <param name="testFraction">Fraction of patients held out per site.</param>
    /// <param name="seed">Seed of the split.</param>
    /// <param name="maxParallelism">Patients processed at once.</param>
    /// <param name="pipeline">
    /// Builds the slices instead of <see cref="SliceSetBuilder"/> (resampling, an on-disk cache, lesion oversampling of
    /// training slices); <see langword="null"/> (the default) builds them directly, as before.
    /// </param>
    /// <param name="slicesFolder">
    /// Where each site's slices are written and read back from (<see cref="SliceFile"/>s), for memory that does not grow
    /// with the cohort; <see langword="null"/> (the default) keeps them in memory.
    /// </param>
    /// <returns>The prepared cohort.</returns>
    public static PreparedCohort Prepare(Cohort cohort, double testFraction = 0.3, int seed = 7, int maxParallelism = 2, SamplePipeline? pipeline = null, string? slicesFolder = null)
        => Prepare(cohort, (site, i) => PatientSplit.Stratified(site.Patients, testFraction, seed + (31 * (i + 1))), testFraction, seed, maxParallelism, pipeline, slicesFolder);

    /// <summary>
    /// Splits every site's patients as a manifest's <c>splits</c> say (<see cref="ManifestSplits.Assign"/>: explicit lists by
    /// hospital patient id, or ratios with their seed): split <c>train</c> trains, <c>test</c> evaluates, any other split
    /// (e.g. <c>validation</c>) is left out. Without a rule, the default split of
    /// <see cref="Prepare(Cohort, double, int, int, SamplePipeline?, string?)"/>.
    /// </summary>
    /// <param name="cohort">The cohort.</param>
    /// <param name="splits">The manifest's splits, or <see langword="null"/> for the default split.</param>
    /// <param name="seed">Seed of the default split (a rule carries its own seed).</param>
    /// <param name="maxParallelism">Patients processed at once.</param>
    /// <param name="pipeline">Builds the slices, as in the default overload; <see langword="null"/> builds them directly.</param>
    /// <param name="slicesFolder">Where the slices are kept on disk, as in the default overload; <see langword="null"/> keeps them in memory.</param>
    /// <returns>The prepared cohort.</returns>
    /// <exception cref="FlipException">Explicit lists leave a patient out.</exception>
    public static PreparedCohort Prepare(Cohort cohort, SplitRule? splits, int seed = 7, int maxParallelism = 2, SamplePipeline? pipeline = null, string? slicesFolder = null)
    {
        if (splits is null)
        {
            return Prepare(cohort, seed: seed, maxParallelism: maxParallelism, pipeline: pipeline, slicesFolder: slicesFolder);
        }

        double testFraction = splits.Ratios?.GetValueOrDefault("test")
            ?? (double)splits.Lists!.GetValueOrDefault("test", []).Count / Math.Max(1, splits.Lists!.Values.Sum(l => l.Count));
        return Prepare(cohort, (site, _) =>
        {
            IReadOnlyDictionary<string, string> assigned = ManifestSplits.Assign(splits, site);
            List<Patient> In(string name) => [.. site.Patients.Where(p => assigned.TryGetValue(p.Key, out string? s) && s == name)];
            return (In("train"), In("test"));
        }, testFraction, splits.Ratios is null ? seed : splits.Seed, maxParallelism, pipeline, slicesFolder);
    }

    private static PreparedCohort Prepare(Cohort cohort, Func<CohortSite, int, (IReadOnlyList<Patient> Train, IReadOnlyList<Patient> Test)> split, double testFraction, int seed, int maxParallelism, SamplePipeline? pipeline, string? slicesFolder)
    {
        ArgumentNullException.ThrowIfNull(cohort);
        if (pipeline is not null && pipeline.Settings.Output != SampleOutput.Slices2D)
        {
            throw new ArgumentException($"a prepared cohort trains the 2D U-Net on slices; the pipeline makes {pipeline.Settings.Output}. Build 3D crops with SamplePipeline.Build directly.", nameof(pipeline));
        }

        // Without a pipeline: the default one (no cache, no resampling, 32-voxel crops), whose slices are SliceSetBuilder's.
        bool counted = pipeline is not null;
        pipeline ??= new SamplePipeline(maxParallelism: maxParallelism);
        long started = Stopwatch.GetTimestamp();
        var sites = new List<PreparedSite>();
        int hits = 0, built = 0;
        try
        {
            for (int i = 0; i < cohort.Sites.Count; i++)
            {
                CohortSite site = cohort.Sites[i];
                var (train, test) = split(site, i);
                string? File(string part) => slicesFolder is null ? null : Path.Combine(slicesFolder, string.Create(CultureInfo.InvariantCulture, $"site{i + 1:D2}-{part}.slices"));
                PreprocessedSamples trainSamples = pipeline.Build(train, training: true, slicesFile: File("train"));
                PreprocessedSamples testSamples = pipeline.Build(test, slicesFile: File("test"));
                hits += trainSamples.CacheHits + testSamples.CacheHits;
                built += trainSamples.Built + testSamples.Built;
                sites.Add(new PreparedSite(site.Id, site, trainSamples.Slices, testSamples.Slices));
            }
        }
        catch
        {
            foreach (SliceFile file in sites.SelectMany(s => s.Train.Files.Concat(s.Test.Files)))
            {
                file.Dispose();
            }

            throw;
        }

        return new PreparedCohort(cohort, sites, testFraction, seed, Stopwatch.GetElapsedTime(started)) { CacheHits = counted ? hits : 0, Built = counted ? built : 0 };
    }
}
