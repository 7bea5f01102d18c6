namespace Flip.Datasets.Partitions;

/// <summary>By hospital: each hospital is a site, as in a real federation. The default.</summary>
public sealed class NaturalPartitioner : Partitioner
{
    /// <inheritdoc />
    public override string Spec => "natural";

    /// <inheritdoc />
    public override Partition Apply(Cohort cohort, int seed)
    {
        ArgumentNullException.ThrowIfNull(cohort);
        return new Partition(Spec, cohort);
    }
}
