using System.CommandLine;
using System.Globalization;
using Flip.Datasets;
using Flip.Datasets.Partitions;
using Flip.Datasets.Synthetic;
using Flip.Experiments;
using Spectre.Console;

namespace Flip.Cli.Commands;

/// <summary><c>--partition</c> of <c>simulate</c>: how FLIP-6's patients are dealt to the federation's sites, and its per-site class table.</summary>
internal static class PartitionOption
{
    public static Option<string> Create()
    {
        var option = new Option<string>("--partition")
        {
            Description = "How patients are dealt to sites: natural (by hospital, default), iid, dirichlet:ALPHA (label skew, e.g. dirichlet:0.3), " +
                "quantity:EXPONENT (power-law site sizes, e.g. quantity:1.5). Virtual sites are named part-1, part-2, …; for leave-one-site-out use --leave-one-out.",
            DefaultValueFactory = _ => "natural",
        };
        option.Validators.Add(r =>
        {
            try
            {
                if (Partitioner.Parse(r.GetValueOrDefault<string>() ?? "") is LeaveOneSiteOutPartitioner)
                {
                    r.AddError("--partition loso:SITE is not a training federation on its own; use --leave-one-out.");
                }
            }
            catch (FlipException e)
            {
                r.AddError(e.ToUserText());
            }
        });
        return option;
    }

    /// <summary>FLIP-6 at <paramref name="scale"/> (or the manifest's cohort, split as its <c>splits</c> say), partitioned and prepared (through the preprocessing cache, when given); the natural partition is exactly <see cref="SimulateCohort.Prepare"/>.</summary>
    public static PreparedCohort Prepare(IAnsiConsole console, double scale, int seed, string spec, string? manifest = null, string? cacheFolder = null, string? slicesFolder = null)
    {
        Partitioner partitioner = Partitioner.Parse(spec);
        if (partitioner is NaturalPartitioner)
        {
            return SimulateCohort.Prepare(manifest, scale, seed, cacheFolder, console, slicesFolder);
        }

        Cohort cohort = SimulateCohort.Load(manifest, scale, seed, out var splits);
        Partition partition = partitioner.Apply(cohort, seed);
        console.Write(Table(partition));
        return SimulateCohort.Prepare(partition.Cohort, splits, manifest, scale, seed, cacheFolder, console, slicesFolder);
    }

    /// <summary>Per site: patients without and with csPCa, prevalence; caption with the label skew and size ratio.</summary>
    public static Table Table(Partition partition)
    {
        var table = new Table().Border(TableBorder.Simple).Title($"Partition {Markup.Escape(partition.Spec)}: patients per site")
            .AddColumn("site").AddColumn(new TableColumn("no csPCa").RightAligned()).AddColumn(new TableColumn("csPCa").RightAligned())
            .AddColumn(new TableColumn("total").RightAligned()).AddColumn(new TableColumn("csPCa %").RightAligned());
        foreach (SiteClassCounts c in partition.Counts)
        {
            string id = c.SiteId == partition.HeldOut?.Id ? c.SiteId + " (held out)" : c.SiteId;
            table.AddRow(Markup.Escape(id), I($"{c.Negative}"), I($"{c.Positive}"), I($"{c.Total}"), I($"{100 * c.PositiveFraction:F1}"));
        }

        table.Caption(I($"label skew {partition.LabelSkew:F3} (0 = IID); largest/smallest site {partition.SizeRatio:F1}"));
        return table;
    }

    private static string I(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);
}
