namespace Flip.Datasets.Partitions;

/// <summary>IID: every hospital's patients pooled, shuffled, and dealt round-robin within each class, so every site gets the overall prevalence.</summary>
/// <param name="sites">Virtual sites; 0 = as many as the cohort has hospitals.</param>
public sealed class IidPartitioner(int sites = 0) : Partitioner
{
    /// <inheritdoc />
    public override string Spec => "iid";

    /// <inheritdoc />
    public override Partition Apply(Cohort cohort, int seed)
    {
        ArgumentNullException.ThrowIfNull(cohort);
        int count = SiteCount(cohort, sites, Spec);
        var random = new Random(seed);
        var groups = Enumerable.Range(0, count).Select(_ => new List<Patient>()).ToList();
        int next = 0;
        foreach (bool positive in new[] { true, false })
        {
            var members = AllPatients(cohort).Where(p => p.IsCsPca == positive).ToList();
            Shuffle(members, random);
            foreach (Patient patient in members)
            {
                groups[next++ % count].Add(patient);
            }
        }

        return Virtual(cohort, groups, Spec);
    }
}
