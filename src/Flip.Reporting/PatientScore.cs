namespace Flip.Reporting;

/// <summary>One test patient's csPCa label and the model's score, for ROC curves and bootstrap intervals.</summary>
/// <remarks>Stays at the site that evaluated it unless the study's governance allows otherwise; the key is an
/// opaque pseudonym, never a patient identifier.</remarks>
/// <param name="Site">The site id.</param>
/// <param name="PatientKey">An opaque pseudonym, unique within the site.</param>
/// <param name="Label">1 for clinically significant prostate cancer (ISUP ≥ 2), 0 otherwise.</param>
/// <param name="Score">The model's score; higher means more likely csPCa.</param>
public sealed record PatientScore(string Site, string PatientKey, int Label, double Score);
