using Deedle;
using Flip.Datasets.Partitions;
using Flip.Datasets.Synthetic;
using Flip.Experiments;
using Flip.Reporting;
using Plotly.NET;

namespace Flip.Notebooks;

public static partial class Lab
{
    /// <summary>Re-partitions the synthetic FLIP-6 cohort's patients into virtual sites (<see cref="Partitioner.Syntax"/>)
    /// and trains one strategy on each partition.</summary>
    /// <param name="specs">Partitions, e.g. <c>iid</c>, <c>dirichlet:0.1</c>, <c>quantity:1.5</c>.</param>
    /// <param name="strategy">A name from <see cref="StrategyCatalog.Names"/>.</param>
    /// <param name="rounds">Rounds per run.</param>
    /// <param name="scale">Fraction of FLIP-6's patients.</param>
    /// <param name="seed">Seed of the cohort, the partition and the run.</param>
    /// <param name="matrixSize">In-plane pixels per side.</param>
    /// <param name="slices">Slices per volume.</param>
    /// <param name="options">Further settings.</param>
    /// <returns>One run per partition, in order.</returns>
    public static async Task<IReadOnlyList<PartitionRun>> PartitionSweepAsync(IEnumerable<string> specs, string strategy, int rounds,
        double scale = 0.08, int seed = 7, int matrixSize = 64, int slices = 12, ExperimentOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(specs);
        var cohort = SyntheticCohort.Flip6(new SyntheticCohortOptions { Scale = scale, Seed = seed, MatrixSize = matrixSize, Slices = slices });
        var runs = new List<PartitionRun>();
        foreach (string spec in specs)
        {
            Partition partition = Partitioner.Parse(spec).Apply(cohort, seed);
            var prepared = PreparedCohort.Prepare(partition.Cohort, seed: seed);
            ExperimentResult result = await RunAsync(prepared, strategy, rounds, seed, options).ConfigureAwait(false);
            FairnessSummary fairness = Fairness(result);
            runs.Add(new PartitionRun(partition.Spec, partition.LabelSkew, partition.SizeRatio, fairness.Mean, fairness.WorstSite, fairness.Worst, fairness.Gap, partition, result));
        }

        return runs;
    }

    /// <summary>The sweep as a table: one row per partition with its skew and the sites' mean, worst and gap.</summary>
    /// <param name="runs">The sweep.</param>
    /// <returns>The frame.</returns>
    public static Frame<string, string> Summary(IEnumerable<PartitionRun> runs)
    {
        ArgumentNullException.ThrowIfNull(runs);
        var cells = runs.SelectMany(r => new[]
        {
            (r.Spec, Column: "label skew", Value: r.LabelSkew), (r.Spec, Column: "size ratio", Value: r.SizeRatio),
            (r.Spec, Column: "mean AUROC", Value: r.Mean), (r.Spec, Column: "worst AUROC", Value: r.Worst), (r.Spec, Column: "gap", Value: r.Gap),
        }).ToList();
        return Deedle.Frame.FromValues(cells, c => c.Column, c => c.Spec, c => c.Value);
    }

    /// <summary>Patients and csPCa patients per virtual site of each partition.</summary>
    /// <param name="runs">The sweep.</param>
    /// <returns>Rows: partition and site; columns: patients, csPCa, csPCa share.</returns>
    public static Frame<string, string> ClassCounts(IEnumerable<PartitionRun> runs)
    {
        ArgumentNullException.ThrowIfNull(runs);
        var cells = runs.SelectMany(r => r.Partition.Counts.SelectMany(c => new[]
        {
            (Row: $"{r.Spec} · {c.SiteId}", Column: "patients", Value: (double)c.Total),
            (Row: $"{r.Spec} · {c.SiteId}", Column: "csPCa", Value: (double)c.Positive),
            (Row: $"{r.Spec} · {c.SiteId}", Column: "csPCa share", Value: c.PositiveFraction),
        })).ToList();
        return Deedle.Frame.FromValues(cells, c => c.Column, c => c.Row, c => c.Value);
    }

    /// <summary>The best−worst AUROC gap by round, one line per partition.</summary>
    /// <param name="runs">The sweep.</param>
    /// <returns>The chart.</returns>
    public static GenericChart GapByRound(IEnumerable<PartitionRun> runs)
    {
        ArgumentNullException.ThrowIfNull(runs);
        return Charts.FairnessGapByRound([.. runs.Select(r => Record(r.Result, r.Spec))], MetricNames.Auroc);
    }
}
