using System.Globalization;

namespace Flip.Datasets.Partitions;

/// <summary>
/// Quantity skew: site sizes follow a power law, site i (from 1) getting a share proportional to
/// i^−exponent, at least <see cref="MinPatientsPerSite"/> each; the patients are shuffled first, so
/// labels stay close to IID while sizes differ (exponent 1.5 over six sites: the largest site about
/// 15 times the smallest).
/// </summary>
/// <param name="exponent">The power-law exponent, above 0.</param>
/// <param name="sites">Virtual sites; 0 = as many as the cohort has hospitals.</param>
public sealed class QuantitySkewPartitioner(double exponent, int sites = 0) : Partitioner
{
    /// <summary>The power-law exponent.</summary>
    public double Exponent { get; } = exponent > 0 && !double.IsInfinity(exponent) ? exponent : throw new ArgumentOutOfRangeException(nameof(exponent), exponent, "expected an exponent above 0.");

    /// <summary>Fewest patients a site gets.</summary>
    /// <value>4.</value>
    public int MinPatientsPerSite { get; init; } = 4;

    /// <inheritdoc />
    public override string Spec => "quantity:" + Exponent.ToString("R", CultureInfo.InvariantCulture);

    /// <inheritdoc />
    public override Partition Apply(Cohort cohort, int seed)
    {
        ArgumentNullException.ThrowIfNull(cohort);
        int count = SiteCount(cohort, sites, Spec);
        int total = cohort.PatientCount;
        if (total < count * MinPatientsPerSite)
        {
            throw new FlipException($"partition {Spec}: {total} patients cannot give {count} sites {MinPatientsPerSite} each.", ExitCodes.BadCommandLine,
                "use a larger --scale or fewer sites.");
        }

        // Largest remainder over what is left after every site's minimum.
        double[] weight = [.. Enumerable.Range(1, count).Select(i => Math.Pow(i, -Exponent))];
        double sum = weight.Sum();
        int spare = total - (count * MinPatientsPerSite);
        double[] exact = [.. weight.Select(w => spare * w / sum)];
        int[] size = [.. exact.Select(e => MinPatientsPerSite + (int)Math.Floor(e))];
        foreach (int i in Enumerable.Range(0, count).OrderByDescending(i => exact[i] - Math.Floor(exact[i])).ThenBy(i => i).Take(total - size.Sum()))
        {
            size[i]++;
        }

        var patients = AllPatients(cohort);
        Shuffle(patients, new Random(seed));
        var groups = new List<List<Patient>>(count);
        int at = 0;
        foreach (int n in size)
        {
            groups.Add(patients.GetRange(at, n));
            at += n;
        }

        return Virtual(cohort, groups, Spec);
    }
}
