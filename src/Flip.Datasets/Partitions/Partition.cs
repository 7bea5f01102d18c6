namespace Flip.Datasets.Partitions;

/// <summary>What a partitioner made: the (virtual) sites to federate over, and how many patients of each class each holds.</summary>
/// <param name="Spec">The partition as written on the command line, e.g. <c>dirichlet:0.3</c>.</param>
/// <param name="Cohort">The cohort of (virtual) sites; every patient of the source appears in exactly one site, or in <paramref name="HeldOut"/>.</param>
/// <param name="HeldOut">The site left out of training (leave-one-site-out), else <see langword="null"/>.</param>
public sealed record Partition(string Spec, Cohort Cohort, CohortSite? HeldOut = null)
{
    /// <summary>Per site: patients without and with csPCa, in site order (the held-out site last, when there is one).</summary>
    public IReadOnlyList<SiteClassCounts> Counts { get; } =
        [.. Cohort.Sites.Concat(HeldOut is null ? [] : [HeldOut]).Select(SiteClassCounts.Of)];

    /// <summary>
    /// Label skew: the patient-weighted mean over training sites of |site csPCa fraction − overall csPCa fraction|.
    /// 0 when every site has the overall prevalence (IID); near 2·p·(1−p) when each site holds one class only.
    /// </summary>
    public double LabelSkew
    {
        get
        {
            var training = Counts.Take(Cohort.Sites.Count).ToList();
            int total = training.Sum(c => c.Total);
            if (total == 0)
            {
                return 0;
            }

            double overall = training.Sum(c => c.Positive) / (double)total;
            return training.Where(c => c.Total > 0).Sum(c => c.Total * Math.Abs(c.PositiveFraction - overall)) / total;
        }
    }

    /// <summary>Quantity skew: largest site's patients ÷ smallest site's patients among training sites (1 = equal sizes).</summary>
    public double SizeRatio
    {
        get
        {
            var sizes = Counts.Take(Cohort.Sites.Count).Select(c => c.Total).ToList();
            return sizes.Count == 0 || sizes.Min() == 0 ? double.PositiveInfinity : sizes.Max() / (double)sizes.Min();
        }
    }
}
