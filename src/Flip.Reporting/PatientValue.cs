namespace Flip.Reporting;

/// <summary>One test patient's value of a per-patient metric, such as the Dice of the lesion segmentation, for bootstrap intervals.</summary>
/// <param name="Site">The site id.</param>
/// <param name="PatientKey">An opaque pseudonym, unique within the site.</param>
/// <param name="Value">The patient's value, e.g. Dice from 0 to 1.</param>
public sealed record PatientValue(string Site, string PatientKey, double Value);
