namespace Flip.Datasets.Partitions;

/// <summary>Leave-one-site-out: the other hospitals train; the one left out is held out whole, to test generalisation to an unseen hospital.</summary>
/// <param name="heldOutSiteId">The hospital to leave out, e.g. <c>site-3</c>.</param>
public sealed class LeaveOneSiteOutPartitioner(string heldOutSiteId) : Partitioner
{
    /// <summary>The hospital left out.</summary>
    public string HeldOutSiteId { get; } = heldOutSiteId;

    /// <inheritdoc />
    public override string Spec => "loso:" + HeldOutSiteId;

    /// <inheritdoc />
    public override Partition Apply(Cohort cohort, int seed)
    {
        ArgumentNullException.ThrowIfNull(cohort);
        CohortSite held = cohort.Site(HeldOutSiteId);
        return new Partition(Spec, cohort with { Sites = [.. cohort.Sites.Where(s => s.Id != held.Id)] }, held);
    }
}
