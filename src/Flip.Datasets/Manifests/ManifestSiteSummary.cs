namespace Flip.Datasets.Manifests;

/// <summary>What a manifest's site holds, found without reading pixels: what <c>dataset show</c> prints.</summary>
/// <param name="Site">The site as the manifest describes it.</param>
/// <param name="Folder">The local folder read, or <see langword="null"/> when the data is absent.</param>
/// <param name="Patients">Patients of the site (in the table, or found in the data).</param>
/// <param name="CsPcaPatients">Patients with ISUP ≥ 2.</param>
/// <param name="ChannelPatients">Channel name → patients with that channel found.</param>
/// <param name="Absent">Why the data could not be read (missing folder and where to get it), or <see langword="null"/>.</param>
public sealed record ManifestSiteSummary(ManifestSite Site, string? Folder, int Patients, int CsPcaPatients,
    IReadOnlyDictionary<string, int> ChannelPatients, string? Absent)
{
    /// <summary>Fraction of patients with csPCa, or NaN without patients.</summary>
    public double CsPcaPrevalence => Patients == 0 ? double.NaN : CsPcaPatients / (double)Patients;
}
