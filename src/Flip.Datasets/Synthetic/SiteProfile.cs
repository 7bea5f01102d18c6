namespace Flip.Datasets.Synthetic;

/// <summary>One synthetic hospital: who it is, what scanner it has, and how that shows in its images.</summary>
/// <param name="Id">Site id used everywhere, e.g. <c>site-1</c>.</param>
/// <param name="DisplayName">A fictional hospital name.</param>
/// <param name="Country">Country.</param>
/// <param name="Vendor">MRI scanner vendor.</param>
/// <param name="FieldStrengthTesla">1.5 or 3.</param>
/// <param name="HasPet">Whether the hospital also has PSMA-PET.</param>
/// <param name="FullScalePatients">Patients at <c>scale = 1</c>.</param>
/// <param name="CsPcaPrevalence">Fraction of patients with clinically significant cancer (ISUP ≥ 2).</param>
/// <param name="Appearance">How the scanner renders tissue.</param>
public sealed record SiteProfile(
    string Id,
    string DisplayName,
    string Country,
    string Vendor,
    double FieldStrengthTesla,
    bool HasPet,
    int FullScalePatients,
    double CsPcaPrevalence,
    ScannerAppearance Appearance);
