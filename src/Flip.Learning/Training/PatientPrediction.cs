namespace Flip.Learning.Training;

/// <summary>One test patient's csPCa score. Stays at the site (the key is a pseudonym, but it is still the site's).</summary>
/// <param name="PatientKey">Pseudonymous patient key.</param>
/// <param name="IsCsPca">The true label.</param>
/// <param name="Score">The maximum lesion probability over the patient's slices.</param>
public sealed record PatientPrediction(string PatientKey, bool IsCsPca, double Score);
