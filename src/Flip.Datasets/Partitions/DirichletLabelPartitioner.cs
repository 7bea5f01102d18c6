using System.Globalization;

namespace Flip.Datasets.Partitions;

/// <summary>
/// Label skew: for each class, the fractions of its patients that go to each site are drawn from a
/// symmetric Dirichlet(α) distribution (Hsu, Qi and Brown 2019). Small α gives sites dominated by one
/// class; large α approaches IID.
/// </summary>
/// <param name="alpha">The concentration α, above 0.</param>
/// <param name="sites">Virtual sites; 0 = as many as the cohort has hospitals.</param>
public sealed class DirichletLabelPartitioner(double alpha, int sites = 0) : Partitioner
{
    private const int Attempts = 1000;

    /// <summary>The concentration α.</summary>
    public double Alpha { get; } = alpha > 0 && !double.IsInfinity(alpha) ? alpha : throw new ArgumentOutOfRangeException(nameof(alpha), alpha, "expected α above 0.");

    /// <summary>Fewest patients a site may get; draws that give a site fewer are redrawn (up to 1,000 times).</summary>
    /// <value>4: enough for a train/test split with both classes at most sites.</value>
    public int MinPatientsPerSite { get; init; } = 4;

    /// <inheritdoc />
    public override string Spec => "dirichlet:" + Alpha.ToString("R", CultureInfo.InvariantCulture);

    /// <inheritdoc />
    public override Partition Apply(Cohort cohort, int seed)
    {
        ArgumentNullException.ThrowIfNull(cohort);
        int count = SiteCount(cohort, sites, Spec);
        var random = new Random(seed);
        var classes = new[] { true, false }.Select(positive => AllPatients(cohort).Where(p => p.IsCsPca == positive).ToList()).ToList();
        for (int attempt = 0; attempt < Attempts; attempt++)
        {
            var groups = Enumerable.Range(0, count).Select(_ => new List<Patient>()).ToList();
            foreach (List<Patient> members in classes)
            {
                Shuffle(members, random);
                double[] share = Dirichlet(count, random);
                double cumulative = 0;
                int start = 0;
                for (int s = 0; s < count; s++)
                {
                    cumulative += share[s];
                    int end = s == count - 1 ? members.Count : (int)Math.Round(cumulative * members.Count);
                    groups[s].AddRange(members.Skip(start).Take(end - start));
                    start = Math.Max(start, end);
                }
            }

            if (groups.All(g => g.Count >= MinPatientsPerSite))
            {
                return Virtual(cohort, groups, Spec);
            }
        }

        throw new FlipException($"partition {Spec}: in {Attempts} draws every split left a site with fewer than {MinPatientsPerSite} of the {cohort.PatientCount} patients.",
            ExitCodes.BadCommandLine, "raise α (e.g. dirichlet:0.3), use fewer sites, or a larger --scale.");
    }

    /// <summary>One draw from a symmetric Dirichlet(α) over <paramref name="k"/> parts, computed in log space so tiny α does not underflow.</summary>
    private double[] Dirichlet(int k, Random random)
    {
        var logs = new double[k];
        for (int i = 0; i < k; i++)
        {
            logs[i] = LogGamma(Alpha, random);
        }

        double max = logs.Max();
        double[] share = [.. logs.Select(l => Math.Exp(l - max))];
        double sum = share.Sum();
        return [.. share.Select(s => s / sum)];
    }

    /// <summary>log of a Gamma(shape, 1) draw: Marsaglia and Tsang (2000), with the U^(1/shape) boost for shape below 1.</summary>
    private static double LogGamma(double shape, Random random)
    {
        double boost = 0;
        if (shape < 1)
        {
            boost = Math.Log(1.0 - random.NextDouble()) / shape;
            shape += 1;
        }

        double d = shape - (1.0 / 3), c = 1 / Math.Sqrt(9 * d);
        while (true)
        {
            double x, v;
            do
            {
                x = Gaussian(random);
                v = 1 + (c * x);
            }
            while (v <= 0);

            v = v * v * v;
            double u = 1.0 - random.NextDouble();
            if (Math.Log(u) < (0.5 * x * x) + d - (d * v) + (d * Math.Log(v)))
            {
                return Math.Log(d * v) + boost;
            }
        }
    }

    private static double Gaussian(Random random)
    {
        double u1 = 1.0 - random.NextDouble();
        double u2 = random.NextDouble();
        return Math.Sqrt(-2.0 * Math.Log(u1)) * Math.Cos(2 * Math.PI * u2);
    }
}
