namespace Flip.Datasets;

/// <summary>One hospital's data: its description and its patients.</summary>
/// <param name="Id">Site id, e.g. <c>site-1</c>.</param>
/// <param name="DisplayName">Hospital name.</param>
/// <param name="Country">Country.</param>
/// <param name="Vendor">MRI scanner vendor.</param>
/// <param name="FieldStrengthTesla">MRI field strength in tesla.</param>
/// <param name="HasPet">Whether the site has PSMA-PET.</param>
/// <param name="Patients">The site's patients.</param>
public sealed record CohortSite(
    string Id,
    string DisplayName,
    string Country,
    string Vendor,
    double FieldStrengthTesla,
    bool HasPet,
    IReadOnlyList<Patient> Patients)
{
    /// <summary>Fraction of patients with clinically significant cancer (ISUP ≥ 2).</summary>
    public double CsPcaPrevalence => Patients.Count == 0 ? 0 : Patients.Count(p => p.IsCsPca) / (double)Patients.Count;
}
