using Flip.Datasets.Partitions;
using Flip.Experiments;

namespace Flip.Notebooks;

/// <summary>One strategy trained on one partition of a cohort: how skewed the partition is and how the sites fare.</summary>
/// <param name="Spec">The partition, e.g. <c>dirichlet:0.1</c>.</param>
/// <param name="LabelSkew">Patient-weighted mean distance of each site's csPCa share from the overall share (0 = IID).</param>
/// <param name="SizeRatio">Largest site over smallest site, in patients.</param>
/// <param name="Mean">Mean test AUROC over sites, last round.</param>
/// <param name="WorstSite">The site with the lowest AUROC.</param>
/// <param name="Worst">Its AUROC.</param>
/// <param name="Gap">Best − worst AUROC.</param>
/// <param name="Partition">The partition itself (sites and class counts).</param>
/// <param name="Result">The run.</param>
public sealed record PartitionRun(string Spec, double LabelSkew, double SizeRatio, double Mean, string WorstSite, double Worst, double Gap,
    Partition Partition, ExperimentResult Result);
