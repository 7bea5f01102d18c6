using System.Globalization;

namespace Flip.Datasets.Partitions;

/// <summary>Splits a cohort's patients into the sites a federation trains over.</summary>
/// <remarks>
/// Every partitioner is grouped by patient (a patient's images never span two sites) and is a
/// function of its seed. <see cref="Natural"/> keeps the hospitals; the others pool every
/// hospital's patients and deal them to as many virtual sites (<c>part-1</c>, <c>part-2</c>, …) as
/// the cohort has hospitals, unless a site count is given: IID, label skew drawn from a Dirichlet
/// distribution (Hsu et al. 2019), or quantity skew with power-law site sizes.
/// </remarks>
public abstract class Partitioner
{
    /// <summary>The spellings <see cref="Parse"/> accepts, for help texts.</summary>
    public const string Syntax = "natural | iid | dirichlet:ALPHA | quantity:EXPONENT | loso:SITE";

    /// <summary>The partition as written on the command line, e.g. <c>dirichlet:0.3</c>.</summary>
    public abstract string Spec { get; }

    /// <summary>By hospital: the cohort as it is.</summary>
    public static Partitioner Natural { get; } = new NaturalPartitioner();

    /// <summary>Splits <paramref name="cohort"/>.</summary>
    /// <param name="cohort">The cohort.</param>
    /// <param name="seed">Seed of every random choice.</param>
    /// <returns>The sites and their per-class counts.</returns>
    /// <exception cref="FlipException">The cohort cannot be split this way (the message says why and what to change).</exception>
    public abstract Partition Apply(Cohort cohort, int seed);

    /// <summary>Reads a partition spec: <c>natural</c>, <c>iid</c>, <c>dirichlet:0.3</c>, <c>quantity:1.5</c> or <c>loso:site-3</c>.</summary>
    /// <param name="spec">The text.</param>
    /// <param name="sites">Virtual sites for iid, dirichlet and quantity; 0 = as many as the cohort has hospitals.</param>
    /// <returns>The partitioner.</returns>
    /// <exception cref="FlipException">The text is not one of those forms.</exception>
    public static Partitioner Parse(string spec, int sites = 0)
    {
        ArgumentNullException.ThrowIfNull(spec);
        string text = spec.Trim().ToLowerInvariant();
        int colon = text.IndexOf(':', StringComparison.Ordinal);
        string kind = colon < 0 ? text : text[..colon];
        string? argument = colon < 0 ? null : text[(colon + 1)..];
        switch (kind)
        {
            case "natural" when argument is null:
                return Natural;
            case "iid" when argument is null:
                return new IidPartitioner(sites);
            case "dirichlet" when argument is not null:
                return new DirichletLabelPartitioner(Number(spec, argument, "α, the Dirichlet concentration"), sites);
            case "quantity" when argument is not null:
                return new QuantitySkewPartitioner(Number(spec, argument, "the power-law exponent"), sites);
            case "loso" or "leave-one-site-out" when !string.IsNullOrEmpty(argument):
                return new LeaveOneSiteOutPartitioner(argument);
            default:
                throw new FlipException($"partition '{spec}': expected one of {Syntax}.", ExitCodes.BadCommandLine,
                    "write e.g. --partition dirichlet:0.3 (label skew) or --partition quantity:1.5 (size skew).");
        }
    }

    /// <summary>Deals patient groups to virtual sites named <c>part-1</c>, <c>part-2</c>, … (keeping every patient's key).</summary>
    /// <param name="cohort">The source cohort.</param>
    /// <param name="groups">Patients per virtual site.</param>
    /// <param name="spec">The partition spec, for the cohort's description.</param>
    /// <returns>The partition.</returns>
    private protected static Partition Virtual(Cohort cohort, IReadOnlyList<List<Patient>> groups, string spec)
    {
        var hospitalOf = cohort.Sites.SelectMany(s => s.Patients.Select(p => (p, s))).ToDictionary(x => x.p, x => x.s);
        var sites = new List<CohortSite>(groups.Count);
        for (int i = 0; i < groups.Count; i++)
        {
            var from = groups[i].Select(p => hospitalOf[p]).Distinct().ToList();
            string Same(Func<CohortSite, string> field) => from.Select(field).Distinct().Count() == 1 ? field(from[0]) : "mixed";
            double tesla = from.Select(s => s.FieldStrengthTesla).Distinct().Count() == 1 ? from[0].FieldStrengthTesla : 0;
            sites.Add(new CohortSite(string.Create(CultureInfo.InvariantCulture, $"part-{i + 1}"),
                string.Create(CultureInfo.InvariantCulture, $"Virtual site {i + 1} ({spec}; patients of {from.Count} hospitals)"),
                Same(s => s.Country), Same(s => s.Vendor), tesla, from.Count > 0 && from.All(s => s.HasPet), groups[i]));
        }

        return new Partition(spec, cohort with { Description = $"{cohort.Description} Partitioned {spec} into {groups.Count} virtual sites.", Sites = sites });
    }

    /// <summary>The number of virtual sites: <paramref name="requested"/>, or the cohort's hospital count when 0.</summary>
    private protected static int SiteCount(Cohort cohort, int requested, string spec)
    {
        int count = requested > 0 ? requested : cohort.Sites.Count;
        if (count < 1 || count > cohort.PatientCount)
        {
            throw new FlipException($"partition {spec}: cannot deal {cohort.PatientCount} patients to {count} sites; expected between 1 and {cohort.PatientCount} sites.",
                ExitCodes.BadCommandLine, "ask for fewer sites or a larger --scale.");
        }

        return count;
    }

    /// <summary>Every patient of every hospital, in cohort order.</summary>
    private protected static List<Patient> AllPatients(Cohort cohort) => [.. cohort.Sites.SelectMany(s => s.Patients)];

    /// <summary>Fisher–Yates shuffle in place.</summary>
    private protected static void Shuffle<T>(IList<T> items, Random random)
    {
        for (int i = items.Count - 1; i > 0; i--)
        {
            int j = random.Next(i + 1);
            (items[i], items[j]) = (items[j], items[i]);
        }
    }

    private static double Number(string spec, string argument, string what)
    {
        if (!double.TryParse(argument, NumberStyles.Float, CultureInfo.InvariantCulture, out double value) || !(value > 0) || double.IsInfinity(value))
        {
            throw new FlipException($"partition '{spec}': '{argument}' is not a usable {what}; expected a number above 0.", ExitCodes.BadCommandLine,
                "write e.g. dirichlet:0.3 or quantity:1.5.");
        }

        return value;
    }
}
