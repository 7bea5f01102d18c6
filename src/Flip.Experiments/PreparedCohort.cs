using System.Diagnostics;
using Flip.Datasets;
using Flip.Datasets.Preprocessing;
using Flip.Datasets.Samples;

namespace Flip.Experiments;

/// <summary>A cohort split into train and test patients per site and turned into slices, once, for any number of experiments.</summary>
public sealed class PreparedCohort
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

        return new PreparedCohort(Cohort, [.. Sites.Where(s => s.Id != siteId)], TestFraction, Seed, PreparationTime);
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
    /// <returns>The prepared cohort.</returns>
    public static PreparedCohort Prepare(Cohort cohort, double testFraction = 0.3, int seed = 7, int maxParallelism = 2, SamplePipeline? pipeline = null)
    {
        ArgumentNullException.ThrowIfNull(cohort);
        long started = Stopwatch.GetTimestamp();
        var sites = new List<PreparedSite>();
        for (int i = 0; i < cohort.Sites.Count; i++)
        {
            CohortSite site = cohort.Sites[i];
            var (train, test) = PatientSplit.Stratified(site.Patients, testFraction, seed + (31 * (i + 1)));
            sites.Add(pipeline is null
                ? new PreparedSite(site.Id, site, SliceSetBuilder.Build(train, maxParallelism), SliceSetBuilder.Build(test, maxParallelism))
                : new PreparedSite(site.Id, site, pipeline.Build(train, training: true).Slices, pipeline.Build(test).Slices));
        }

        return new PreparedCohort(cohort, sites, testFraction, seed, Stopwatch.GetElapsedTime(started));
    }
}
