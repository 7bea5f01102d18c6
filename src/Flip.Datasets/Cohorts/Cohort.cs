namespace Flip.Datasets;

/// <summary>A study's data: hospitals (sites), their patients and images.</summary>
/// <param name="Name">Short name, e.g. <c>FLIP-6</c>.</param>
/// <param name="Description">One sentence.</param>
/// <param name="Sites">The hospitals, in display order.</param>
public sealed record Cohort(string Name, string Description, IReadOnlyList<CohortSite> Sites)
{
    /// <summary>All patients of all sites.</summary>
    public int PatientCount => Sites.Sum(s => s.Patients.Count);

    /// <summary>The site with <paramref name="id"/>.</summary>
    /// <param name="id">A site id such as <c>site-3</c>.</param>
    /// <returns>The site.</returns>
    /// <exception cref="FlipException">No site has that id.</exception>
    public CohortSite Site(string id)
        => Sites.FirstOrDefault(s => s.Id == id)
           ?? throw new FlipException($"cohort {Name} has no site '{id}'; expected one of {string.Join(", ", Sites.Select(s => s.Id))}.", ExitCodes.BadCommandLine);
}
